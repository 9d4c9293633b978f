import { desc, eq } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { auditLog, user } from "../schema";

export async function insertAuditEntry(tx: DbOrTx, values: typeof auditLog.$inferInsert) {
  const [row] = await tx.insert(auditLog).values(values).returning();
  return row!;
}

/** An org's audit entries, newest first, with the acting user's name and email when there is one. */
export async function listAuditEntries(tx: DbOrTx, { orgId, limit = 200 }: { orgId: string; limit?: number }) {
  return tx
    .select({
      id: auditLog.id, actorId: auditLog.actorId, action: auditLog.action, targetId: auditLog.targetId,
      details: auditLog.details, at: auditLog.at, actorName: user.name, actorEmail: user.email,
    })
    .from(auditLog)
    .leftJoin(user, eq(user.id, auditLog.actorId))
    .where(eq(auditLog.orgId, orgId))
    .orderBy(desc(auditLog.id))
    .limit(limit);
}
