import { bigint, index, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { orgs } from "./orgs";

export const AUDIT_ACTIONS = [
  "workflow.create",
  "workflow.update",
  "workflow.publish",
  "workflow.unpublish",
  "workflow.archive",
  "label.move",
  "label.split",
  /** A split label moved wholly to one of its versions (lib/workflows/promote-label.ts). */
  "label.promote",
  "key.create",
  "key.revoke",
  "webhook.create",
  "webhook.delete",
  "member.invite",
  "member.invite_cancel",
  "member.add",
  "member.remove",
  "member.role_update",
  "org.settings_update",
  "member.account_deleted",
  // An operator's actions on the org (lib/operator): details name the operator and the reason.
  "org.suspend",
  "org.unsuspend",
  "credits.adjust",
  "budget.create",
  "budget.update",
  "budget.delete",
  /** The org's tool signing secret replaced (lib/tools/signing-secret.ts); details: when the previous one stops signing. */
  "tools.signing_secret_rotate",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

// Append-only: rows are inserted in the same transaction as the change they describe and never
// updated. `id` (identity) gives a total order, even for entries written in one transaction.
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    /** The dashboard user; null → the system (admin CLI, first-run seed). */
    actorId: text("actor_id"),
    action: text("action", { enum: AUDIT_ACTIONS }).notNull(),
    targetId: text("target_id").notNull(),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("audit_log_org_id_idx").on(t.orgId, t.id)],
);

export type AuditEntry = typeof auditLog.$inferSelect;
