import { and, eq, inArray, lt, sql } from "drizzle-orm";
import type { Db, DbOrTx } from "../index";
import { jobs, type Job, type JobKind } from "../schema";

// The queue's SQL (lib/queue/worker.ts). Written here rather than taken from a library: pg-boss and
// graphile-worker both drive PostgreSQL through `pg` (a pool, LISTEN/NOTIFY on a connection of
// their own), which the embedded database (PGlite, one connection in this process) is not — pg-boss
// runs there only through a hand-made shim that splices parameters into the SQL text — and neither
// can enqueue inside our drizzle transaction, which the outbox needs (a publish and its webhook
// event commit together). The whole queue is these few statements.

const secs = (ms: number) => sql`make_interval(secs => ${ms / 1000})`;

type NewJob = {
  kind: JobKind;
  payload: Record<string, unknown>;
  /** Whose job it is: claims take turns between orgs. */
  orgId: string | null;
  /** Its group (a webhook endpoint): a claim takes at most the handler's groupShare of one group at a time. */
  groupKey?: string | null;
  runAt?: Date;
  leaseMs?: number;
};

/** Adds a job; `leaseMs` keeps it from being claimed until the caller releases it (or the lease runs out). */
export async function insertJob(tx: DbOrTx, { kind, payload, orgId, groupKey = null, runAt, leaseMs }: NewJob) {
  const [row] = await tx
    .insert(jobs)
    .values({ kind, payload, orgId, groupKey, runAt: runAt ?? sql`now()`, lockedUntil: leaseMs ? sql`now() + ${secs(leaseMs)}` : null })
    .returning({ id: jobs.id });
  return row!.id;
}

/**
 * Adds a job unless its org already has `cap` jobs of that kind (waiting or in hand); null when it
 * has. Concurrent adds for one org take turns on a transaction-scoped advisory lock, so the count
 * and the insert are one decision: the cap is never overshot, whatever the number of instances.
 */
export async function insertJobWithinOrgCap(db: Db, job: NewJob & { orgId: string }, cap: number): Promise<number | null> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${ORG_CAP_LOCK}, hashtext(${job.orgId}))`);
    const [row] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(jobs)
      .where(and(eq(jobs.kind, job.kind), eq(jobs.orgId, job.orgId)));
    return row!.n >= cap ? null : insertJob(tx, job);
  });
}

/** Advisory lock namespaces (the first key of pg_advisory_xact_lock(int, int)). */
const CLAIM_LOCK = 0x6a6f6201; // "job\x01": claims of one kind, one at a time
const ORG_CAP_LOCK = 0x6a6f6202; // an org's capped adds

export type ClaimOptions = {
  kind: JobKind;
  limit: number;
  leaseMs: number;
  /** At most this many jobs of one org leased at once, across every instance (none: no cap). */
  orgShare?: number;
  /** At most this many jobs of one group leased at once (none: no cap). */
  groupShare?: number;
};

/**
 * Claims up to `limit` due jobs of `kind` that nobody holds, each under a lease of `leaseMs`.
 * Fair between orgs: a job's turn is its org's jobs in hand now (leased, on any instance) plus its
 * place in its org's line, and the lowest turns go first — the org with the fewest jobs in hand
 * gets the next slot, so one org's flood waits behind nobody's single job. `orgShare` caps the
 * jobs of one org in hand at once and `groupShare` those of one group, so a share of the slots is
 * always left to the others. Claims of a kind take turns on an advisory lock (held for this short
 * transaction only): each sees the leases of the one before, so the shares hold across instances.
 * SKIP LOCKED still steps over rows a handler is writing.
 */
export async function claimJobs(db: Db, { kind, limit, leaseMs, orgShare, groupShare }: ClaimOptions): Promise<Job[]> {
  if (limit < 1) return [];
  return db.transaction(async (tx) => {
    await tx.execute(sql`SELECT pg_advisory_xact_lock(${CLAIM_LOCK}, hashtext(${kind}))`);
    const picks = sql`
      WITH busy AS (SELECT org_id, group_key FROM jobs WHERE kind = ${kind} AND locked_until > now()),
      org_busy AS (SELECT org_id, count(*) AS n FROM busy GROUP BY org_id),
      group_busy AS (SELECT group_key, count(*) AS n FROM busy WHERE group_key IS NOT NULL GROUP BY group_key),
      due AS (
        SELECT j.id, j.org_id, j.run_at,
          CASE WHEN j.group_key IS NULL THEN 0
            ELSE coalesce(gb.n, 0) + row_number() OVER (PARTITION BY j.group_key ORDER BY j.run_at, j.id) END AS group_turn
        FROM jobs j LEFT JOIN group_busy gb ON gb.group_key = j.group_key
        WHERE j.kind = ${kind} AND j.run_at <= now() AND (j.locked_until IS NULL OR j.locked_until <= now())),
      eligible AS (
        SELECT d.id, d.run_at, coalesce(ob.n, 0) + row_number() OVER (PARTITION BY d.org_id ORDER BY d.run_at, d.id) AS turn
        FROM due d LEFT JOIN org_busy ob ON ob.org_id IS NOT DISTINCT FROM d.org_id
        ${groupShare ? sql`WHERE d.group_turn <= ${groupShare}` : sql``})
      SELECT id FROM eligible ${orgShare ? sql`WHERE turn <= ${orgShare}` : sql``}
      ORDER BY turn, run_at, id LIMIT ${limit}`;
    return tx
      .update(jobs)
      .set({ lockedUntil: sql`now() + ${secs(leaseMs)}`, attempts: sql`${jobs.attempts} + 1` })
      .where(sql`${jobs.id} IN (SELECT id FROM jobs WHERE id IN (${picks}) FOR UPDATE SKIP LOCKED)`)
      .returning();
  });
}

/** Extends the leases of jobs still in hand (a handler that works longer than one lease); released or settled ones are left alone. */
export async function extendLeases(tx: DbOrTx, ids: number[], leaseMs: number) {
  if (!ids.length) return;
  await tx
    .update(jobs)
    .set({ lockedUntil: sql`now() + ${secs(leaseMs)}` })
    .where(and(inArray(jobs.id, ids), sql`${jobs.lockedUntil} > now()`));
}

export async function deleteJob(tx: DbOrTx, id: number) {
  await tx.delete(jobs).where(eq(jobs.id, id));
}

/** Makes a job claimable again: now (a lease released), or at `runAt` (a retry). */
export async function releaseJob(tx: DbOrTx, id: number, runAt?: Date) {
  await tx
    .update(jobs)
    .set({ lockedUntil: null, ...(runAt ? { runAt } : {}) })
    .where(eq(jobs.id, id));
}

/** Puts a claimed job back until `runAt` as if it had not been claimed (its attempt not counted). */
export async function deferJob(tx: DbOrTx, id: number, runAt: Date) {
  await tx
    .update(jobs)
    .set({ lockedUntil: null, runAt, attempts: sql`greatest(${jobs.attempts} - 1, 0)` })
    .where(eq(jobs.id, id));
}

/** Moves a group's waiting jobs (not those in hand) to `runAt` at the earliest. */
export async function deferGroupJobs(tx: DbOrTx, { kind, groupKey, runAt }: { kind: JobKind; groupKey: string; runAt: Date }) {
  await tx
    .update(jobs)
    .set({ runAt })
    .where(
      and(
        eq(jobs.kind, kind),
        eq(jobs.groupKey, groupKey),
        lt(jobs.runAt, runAt),
        sql`(${jobs.lockedUntil} IS NULL OR ${jobs.lockedUntil} <= now())`,
      ),
    );
}
