import { eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { jobs, type Job, type JobKind } from "../schema";

// The queue's SQL (lib/queue/worker.ts). Written here rather than taken from a library: pg-boss and
// graphile-worker both drive PostgreSQL through `pg` (a pool, LISTEN/NOTIFY on a connection of
// their own), which the embedded database (PGlite, one connection in this process) is not — pg-boss
// runs there only through a hand-made shim that splices parameters into the SQL text — and neither
// can enqueue inside our drizzle transaction, which the outbox needs (a publish and its webhook
// event commit together). The whole queue is these five statements.

const secs = (ms: number) => sql`make_interval(secs => ${ms / 1000})`;

/** Adds a job; `leaseMs` keeps it from being claimed until the caller releases it (or the lease runs out). */
export async function insertJob(tx: DbOrTx, { kind, payload, runAt, leaseMs }: { kind: JobKind; payload: Record<string, unknown>; runAt?: Date; leaseMs?: number }) {
  const [row] = await tx
    .insert(jobs)
    .values({ kind, payload, runAt: runAt ?? sql`now()`, lockedUntil: leaseMs ? sql`now() + ${secs(leaseMs)}` : null })
    .returning({ id: jobs.id });
  return row!.id;
}

/**
 * Claims up to `limit` due jobs of `kind` that nobody holds, each under a lease of `leaseMs`: one
 * statement, and SKIP LOCKED lets every instance claim at once without waiting on (or taking)
 * each other's rows.
 */
export async function claimJobs(tx: DbOrTx, { kind, limit, leaseMs }: { kind: JobKind; limit: number; leaseMs: number }): Promise<Job[]> {
  if (limit < 1) return [];
  return tx
    .update(jobs)
    .set({ lockedUntil: sql`now() + ${secs(leaseMs)}`, attempts: sql`${jobs.attempts} + 1` })
    .where(sql`${jobs.id} IN (
      SELECT id FROM jobs WHERE kind = ${kind} AND run_at <= now() AND (locked_until IS NULL OR locked_until <= now())
      ORDER BY run_at, id LIMIT ${limit} FOR UPDATE SKIP LOCKED)`)
    .returning();
}

export async function deleteJob(tx: DbOrTx, id: number) {
  await tx.delete(jobs).where(eq(jobs.id, id));
}

/** Makes a job claimable again: now (a lease released), or at `runAt` (a retry). */
export async function releaseJob(tx: DbOrTx, id: number, runAt?: Date) {
  await tx.update(jobs).set({ lockedUntil: null, ...(runAt ? { runAt } : {}) }).where(eq(jobs.id, id));
}
