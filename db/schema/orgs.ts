import { bigint, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const orgs = pgTable("orgs", {
  id: text("id").primaryKey(), // org_…
  name: text("name").notNull(),
  // Available credits. Changed only in the same transaction as a credit_ledger insert
  // (see lib/credits/README.md), so the ledger always sums to it.
  creditBalance: bigint("credit_balance", { mode: "number" }).notNull().default(0),
  /** The model of an eval's `judge` checks that name none (lib/evals/judge.ts); null → the instance's default model. */
  judgeModel: text("judge_model"),
  /**
   * Set by an operator (lib/operator): every key and stream token of the org is refused with 403
   * org_suspended and this reason, its queued runs are canceled. Null → active.
   */
  suspendedAt: timestamp("suspended_at", { withTimezone: true }),
  suspendedReason: text("suspended_reason"),
  /** The whsec_ secret HTTP tool calls are signed with (Standard Webhooks), made on first use (lib/tools/signing-secret.ts); sealed. */
  toolSigningSecret: text("tool_signing_secret"),
  /** The secret a rotation replaced (sealed): calls are signed with it too until 24 h after `toolSigningSecretRotatedAt`. */
  toolSigningSecretPrevious: text("tool_signing_secret_previous"),
  toolSigningSecretRotatedAt: timestamp("tool_signing_secret_rotated_at", { withTimezone: true }),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export type Org = typeof orgs.$inferSelect;
