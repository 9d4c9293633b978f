import { bigint, index, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { orgs } from "./orgs";

export const LEDGER_KINDS = ["grant", "reserve", "settle", "release", "adjust", "purchase", "refund"] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

// Append-only: rows are inserted, never updated or deleted. sum(amount) per org equals
// orgs.credit_balance, because both change in one transaction.
export const creditLedger = pgTable(
  "credit_ledger",
  {
    id: text("id").primaryKey(), // led_…
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    runId: text("run_id"),
    kind: text("kind", { enum: LEDGER_KINDS }).notNull(),
    amount: bigint("amount", { mode: "number" }).notNull(),
    balanceAfter: bigint("balance_after", { mode: "number" }).notNull(),
    // "reserve:<run>", "settle:<run>", "purchase:<checkout session or payment intent>", "refund:<charge>:<refunded>":
    // a retried settle or a redelivered Stripe event hits the unique index instead of counting twice.
    idempotencyKey: text("idempotency_key"),
    note: text("note").notNull().default(""),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("credit_ledger_idempotency_key_idx").on(t.idempotencyKey),
    index("credit_ledger_org_id_created_at_idx").on(t.orgId, t.createdAt),
  ],
);

export type LedgerEntry = typeof creditLedger.$inferSelect;
