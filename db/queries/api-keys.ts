import { and, desc, eq, gt, isNull, lt, or, sql } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { apiKeys, orgs } from "../schema";

export async function insertApiKey(tx: DbOrTx, values: typeof apiKeys.$inferInsert) {
  const [row] = await tx.insert(apiKeys).values(values).returning();
  return row!;
}

/** What verifying a key needs: identity, limits and scope, and whether an operator suspended its org (the org row, by primary key). */
const PRINCIPAL_COLUMNS = {
  id: apiKeys.id,
  orgId: apiKeys.orgId,
  rateLimitPerMinute: apiKeys.rateLimitPerMinute,
  endUserRateLimitPerMinute: apiKeys.endUserRateLimitPerMinute,
  lastUsedAt: apiKeys.lastUsedAt,
  workflowIds: apiKeys.workflowIds,
  allowedOrigins: apiKeys.allowedOrigins,
  creditCap: apiKeys.creditCap,
  creditCapPeriod: apiKeys.creditCapPeriod,
  expiresAt: apiKeys.expiresAt,
  scopes: apiKeys.scopes,
  /** Non-null → the org is suspended (lib/operator): the key authenticates nothing. */
  orgSuspendedReason: sql<string | null>`case when ${orgs.suspendedAt} is null then null else coalesce(${orgs.suspendedReason}, '') end`,
};

/** Neither revoked nor expired. */
const usable = () => and(isNull(apiKeys.revokedAt), or(isNull(apiKeys.expiresAt), gt(apiKeys.expiresAt, sql`now()`)));

/** The hot-path lookup: one unique-index probe by hash, revoked and expired keys excluded. */
export async function findActiveApiKeyByHash(tx: DbOrTx, keyHash: string) {
  const [row] = await tx
    .select(PRINCIPAL_COLUMNS)
    .from(apiKeys)
    .innerJoin(orgs, eq(orgs.id, apiKeys.orgId))
    .where(and(eq(apiKeys.keyHash, keyHash), usable()))
    .limit(1);
  return row;
}

/** Writes last_used_at at most once per `staleBefore` window, so busy keys do not write per request. */
export async function touchApiKey(tx: DbOrTx, keyId: string, now: Date, staleBefore: Date) {
  await tx
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, keyId), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, staleBefore))));
}

export async function revokeApiKey(tx: DbOrTx, { orgId, keyId }: { orgId: string; keyId: string }) {
  const [row] = await tx
    .update(apiKeys)
    .set({ revokedAt: new Date() })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.orgId, orgId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id, name: apiKeys.name, prefix: apiKeys.prefix });
  return row;
}

export async function listApiKeys(tx: DbOrTx, orgId: string) {
  return tx
    .select({
      id: apiKeys.id,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
      rateLimitPerMinute: apiKeys.rateLimitPerMinute,
      endUserRateLimitPerMinute: apiKeys.endUserRateLimitPerMinute,
      workflowIds: apiKeys.workflowIds,
      allowedOrigins: apiKeys.allowedOrigins,
      creditCap: apiKeys.creditCap,
      creditCapPeriod: apiKeys.creditCapPeriod,
      capUsed: apiKeys.capUsed,
      capPeriodStart: apiKeys.capPeriodStart,
      expiresAt: apiKeys.expiresAt,
      scopes: apiKeys.scopes,
    })
    .from(apiKeys)
    .where(eq(apiKeys.orgId, orgId))
    .orderBy(desc(apiKeys.createdAt));
}

export async function findActiveApiKeyById(tx: DbOrTx, keyId: string) {
  const [row] = await tx
    .select(PRINCIPAL_COLUMNS)
    .from(apiKeys)
    .innerJoin(orgs, eq(orgs.id, apiKeys.orgId))
    .where(and(eq(apiKeys.id, keyId), usable()))
    .limit(1);
  return row;
}
