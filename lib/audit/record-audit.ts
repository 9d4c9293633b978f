import "server-only";
import { insertAuditEntry } from "@/db/queries/audit";
import type { DbOrTx } from "@/db";
import type { AuditAction } from "@/db/schema";

export type AuditInput = {
  orgId: string;
  /** The dashboard user; null → the system (admin CLI, first-run seed). */
  actorId: string | null;
  action: AuditAction;
  targetId: string;
  details?: Record<string, unknown>;
};

/**
 * Appends one audit entry. Pass the transaction of the change it describes, so the change and its
 * record commit (or roll back) together. Details must never hold secrets: they are shown to admins.
 */
export async function recordAudit(tx: DbOrTx, { orgId, actorId, action, targetId, details = {} }: AuditInput) {
  return insertAuditEntry(tx, { orgId, actorId, action, targetId, details });
}
