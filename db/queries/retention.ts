import { eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { orgSettings } from "../schema";

// Retention (lib/retention): an org's setting `retention_days`, and the statements of its sweeper.

export type StoragePolicy = { retentionDays: number | null; maskPii: boolean };

export async function getStoragePolicy(tx: DbOrTx, orgId: string): Promise<StoragePolicy> {
  const [row] = await tx
    .select({ retentionDays: orgSettings.retentionDays, maskPii: orgSettings.maskPii })
    .from(orgSettings)
    .where(eq(orgSettings.orgId, orgId))
    .limit(1);
  return { retentionDays: row?.retentionDays ?? null, maskPii: row?.maskPii ?? false };
}

export type RedactedRun = { id: string; orgId: string; source: string; finishedAt: Date };

/**
 * Clears the inputs, output, citations and error text of at most `limit` finished runs past their
 * org's retention, and returns them. One statement: the runs it takes are locked (SKIP LOCKED, so
 * instances sweeping at once take different runs) and marked `redacted_at`, which no later pass
 * takes again. A retention of 0 days waits `zeroGraceS` after the run's end (its caller, webhooks
 * and resumes collect the answer first). A run an orphan sweep settled provisionally (lease epoch
 * 1) waits an hour more: its own instance's late finish may still write its output.
 */
export async function redactExpiredRuns(tx: DbOrTx, { limit, zeroGraceS }: { limit: number; zeroGraceS: number }) {
  type Row = { id: string; org_id: string; source: string; finished_at: string | Date };
  const rows = await tx.execute(sql`
    WITH due AS (
      SELECT r.id, s.retention_days AS days
      FROM org_settings s
      CROSS JOIN LATERAL (
        SELECT r.id FROM runs r
        WHERE r.org_id = s.org_id AND r.redacted_at IS NULL AND r.finished_at IS NOT NULL
          AND r.status IN ('completed', 'failed', 'canceled')
          AND r.finished_at < now() - CASE WHEN s.retention_days = 0 THEN make_interval(secs => ${zeroGraceS})
                                           ELSE make_interval(days => s.retention_days) END
          AND (r.lease_epoch <> 1 OR r.finished_at < now() - interval '1 hour')
        ORDER BY r.finished_at
        LIMIT ${limit}
        FOR UPDATE OF r SKIP LOCKED
      ) r
      WHERE s.retention_days IS NOT NULL
      LIMIT ${limit}
    )
    UPDATE runs SET inputs = '{}'::jsonb, output = '', citations = '[]'::jsonb, error_message = NULL,
      redacted_at = now(), redacted_after_days = due.days
    FROM due WHERE runs.id = due.id AND runs.redacted_at IS NULL
    RETURNING runs.id, runs.org_id, runs.source, runs.finished_at`);
  return rowsOf<Row>(rows).map((r): RedactedRun => ({ id: r.id, orgId: r.org_id, source: r.source, finishedAt: new Date(r.finished_at) }));
}

/**
 * What else holds the cleared runs' inputs or output: the webhook deliveries of endpoints that
 * asked for them (their `data.inputs` and `data.output` removed; a delivery is written when the
 * run ends, so only the window of the batch's ends is read, through the endpoint index), an
 * Idempotency-Key's stored answer (a repeat then answers from the run, as it now is), and eval
 * results. Idempotent: a second call changes nothing.
 */
export async function clearRunCopies(tx: DbOrTx, batch: RedactedRun[]) {
  if (!batch.length) return;
  const ids = batch.map((r) => r.id);
  const orgIds = [...new Set(batch.map((r) => r.orgId))];
  const from = new Date(Math.min(...batch.map((r) => r.finishedAt.getTime())) - 60_000).toISOString();
  const to = new Date(Math.max(...batch.map((r) => r.finishedAt.getTime())) + 24 * 3600_000).toISOString();
  const idList = sql`ARRAY[${sql.join(
    ids.map((id) => sql`${id}`),
    sql`, `,
  )}]::text[]`;
  const orgList = sql`ARRAY[${sql.join(
    orgIds.map((id) => sql`${id}`),
    sql`, `,
  )}]::text[]`;
  await tx.execute(sql`
    UPDATE webhook_deliveries d SET payload = jsonb_set(d.payload, '{data}', (d.payload->'data') - 'inputs' - 'output')
    WHERE d.endpoint_id IN (SELECT e.id FROM webhook_endpoints e WHERE e.org_id = ANY(${orgList}))
      AND d.created_at >= ${from}::timestamptz AND d.created_at <= ${to}::timestamptz
      AND d.payload->'data'->>'run_id' = ANY(${idList})
      AND (d.payload->'data' ? 'inputs' OR d.payload->'data' ? 'output')`);
  await tx.execute(sql`
    UPDATE idempotency_keys SET response_status = NULL, response_body = NULL
    WHERE created_at >= ${from}::timestamptz - interval '1 day' AND run_id = ANY(${idList}) AND response_body IS NOT NULL`);
  const evalIds = batch.filter((r) => r.source === "eval").map((r) => r.id);
  if (evalIds.length)
    await tx.execute(sql`
      UPDATE eval_results SET output = '', error = NULL
      WHERE run_id = ANY(ARRAY[${sql.join(
        evalIds.map((id) => sql`${id}`),
        sql`, `,
      )}]::text[]) AND (output <> '' OR error IS NOT NULL)`);
}

function rowsOf<T>(r: unknown): T[] {
  return (Array.isArray(r) ? r : (r as { rows: T[] }).rows) as T[];
}

export async function setStoragePolicy(tx: DbOrTx, orgId: string, p: Partial<StoragePolicy>) {
  const set: Partial<typeof orgSettings.$inferInsert> = {};
  if (p.retentionDays !== undefined) set.retentionDays = p.retentionDays;
  if (p.maskPii !== undefined) set.maskPii = p.maskPii;
  await tx
    .insert(orgSettings)
    .values({ orgId, ...set })
    .onConflictDoUpdate({ target: orgSettings.orgId, set: { ...set, updatedAt: sql`now()` } });
}
