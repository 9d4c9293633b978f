import { and, eq, isNull, lt, sql } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { idempotencyKeys, runs, type IdempotencyKey } from "../schema";

type KeyRef = { apiKeyId: string; key: string };

/**
 * Claims a key: inserts the row, or takes over one that no longer counts — older than `keepMs`
 * (expired), or in progress for longer than `staleMs` without its run ever having been created
 * (the process that claimed it died before reserving). One statement, so of any number of
 * concurrent claimers exactly one gets `claimed: true`; the others get the row as it stands.
 */
export async function claimIdempotencyKey(
  tx: DbOrTx,
  {
    apiKeyId,
    key,
    requestHash,
    runId,
    keepMs,
    staleMs,
  }: KeyRef & { requestHash: string; runId: string | null; keepMs: number; staleMs: number },
): Promise<{ claimed: boolean; row: IdempotencyKey | undefined }> {
  const [claimed] = await tx
    .insert(idempotencyKeys)
    .values({ apiKeyId, key, requestHash, runId })
    .onConflictDoUpdate({
      target: [idempotencyKeys.apiKeyId, idempotencyKeys.key],
      set: { requestHash, runId, responseStatus: null, responseBody: null, createdAt: sql`now()` },
      setWhere: sql`${idempotencyKeys.createdAt} < now() - make_interval(secs => ${keepMs / 1000})
        OR (${idempotencyKeys.responseStatus} IS NULL AND ${idempotencyKeys.createdAt} < now() - make_interval(secs => ${staleMs / 1000})
            AND NOT EXISTS (SELECT 1 FROM runs WHERE runs.id = ${idempotencyKeys.runId}))`,
    })
    .returning();
  if (claimed) return { claimed: true, row: claimed };
  return { claimed: false, row: await getIdempotencyKey(tx, { apiKeyId, key }) };
}

export async function getIdempotencyKey(tx: DbOrTx, { apiKeyId, key }: KeyRef) {
  const [row] = await tx
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.apiKeyId, apiKeyId), eq(idempotencyKeys.key, key)))
    .limit(1);
  return row;
}

/** Records the answer a repeat replays. */
export async function completeIdempotencyKey(tx: DbOrTx, { apiKeyId, key, status, body }: KeyRef & { status: number; body: unknown }) {
  await tx
    .update(idempotencyKeys)
    .set({ responseStatus: status, responseBody: body })
    .where(and(eq(idempotencyKeys.apiKeyId, apiKeyId), eq(idempotencyKeys.key, key)));
}

/** Gives an unanswered claim up (the request failed before doing anything): the key may be used again. */
export async function releaseIdempotencyKey(tx: DbOrTx, { apiKeyId, key }: KeyRef) {
  await tx
    .delete(idempotencyKeys)
    .where(and(eq(idempotencyKeys.apiKeyId, apiKeyId), eq(idempotencyKeys.key, key), isNull(idempotencyKeys.responseStatus)));
}

export async function deleteExpiredIdempotencyKeys(tx: DbOrTx, before: Date) {
  await tx.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, before));
}

/** A run's end: undefined when it does not exist (yet), null while it is unfinished. */
export async function runFinishedAt(tx: DbOrTx, runId: string): Promise<Date | null | undefined> {
  const [row] = await tx.select({ finishedAt: runs.finishedAt }).from(runs).where(eq(runs.id, runId)).limit(1);
  return row ? row.finishedAt : undefined;
}
