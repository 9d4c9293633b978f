import { and, desc, eq } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { apiKeys, auditLog, user } from "../schema";

export async function insertAuditEntry(tx: DbOrTx, values: typeof auditLog.$inferInsert) {
  const [row] = await tx.insert(auditLog).values(values).returning();
  return row!;
}

/** The newest entry about one target (a workflow's draft saves coalesce on it). */
export async function latestAuditEntryFor(tx: DbOrTx, { orgId, targetId }: { orgId: string; targetId: string }) {
  const [row] = await tx
    .select()
    .from(auditLog)
    .where(and(eq(auditLog.orgId, orgId), eq(auditLog.targetId, targetId)))
    .orderBy(desc(auditLog.id))
    .limit(1);
  return row;
}

/**
 * An org's audit entries, newest first, with the actor: a user's name and email, or (management
 * API) the API key's name and display prefix — actor_id holds either id.
 */
export async function listAuditEntries(tx: DbOrTx, { orgId, limit = 200 }: { orgId: string; limit?: number }) {
  return tx
    .select({
      id: auditLog.id,
      actorId: auditLog.actorId,
      action: auditLog.action,
      targetId: auditLog.targetId,
      details: auditLog.details,
      at: auditLog.at,
      actorName: user.name,
      actorEmail: user.email,
      actorKeyName: apiKeys.name,
      actorKeyPrefix: apiKeys.prefix,
    })
    .from(auditLog)
    .leftJoin(user, eq(user.id, auditLog.actorId))
    .leftJoin(apiKeys, and(eq(apiKeys.id, auditLog.actorId), eq(apiKeys.orgId, auditLog.orgId)))
    .where(eq(auditLog.orgId, orgId))
    .orderBy(desc(auditLog.id))
    .limit(limit);
}
