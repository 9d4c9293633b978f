import { and, eq, lt, sql } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { runs, type Run } from "../schema";

export async function insertRun(tx: DbOrTx, values: typeof runs.$inferInsert) {
  const [row] = await tx.insert(runs).values(values).returning();
  return row!;
}

export async function getRun(tx: DbOrTx, { orgId, runId }: { orgId: string; runId: string }) {
  const [row] = await tx.select().from(runs).where(and(eq(runs.id, runId), eq(runs.orgId, orgId))).limit(1);
  return row;
}

/**
 * Moves a run from running to a final state. Returns undefined when it was already final, which
 * is what makes finishing (and so settling) idempotent.
 */
export async function finalizeRun(
  tx: DbOrTx,
  runId: string,
  patch: Pick<Run, "status"> & Partial<Omit<Run, "id" | "orgId" | "status">>,
) {
  const [row] = await tx
    .update(runs)
    .set({ ...patch, finishedAt: new Date() })
    .where(and(eq(runs.id, runId), eq(runs.status, "running")))
    .returning();
  return row;
}

/** Runs still "running" that started before `before`: their process is gone (max duration passed). */
export async function listStaleRuns(tx: DbOrTx, before: Date, limit = 100) {
  return tx
    .select({ id: runs.id, orgId: runs.orgId, creditsReserved: runs.creditsReserved })
    .from(runs)
    .where(and(eq(runs.status, "running"), lt(runs.createdAt, before)))
    .limit(limit);
}

/** Credits reserved by the org's runs still in flight: what will come back (at least in part) when they settle. */
export async function sumHeldCredits(tx: DbOrTx, orgId: string) {
  const [row] = await tx
    .select({ held: sql<string>`coalesce(sum(${runs.creditsReserved}), 0)` })
    .from(runs)
    .where(and(eq(runs.orgId, orgId), eq(runs.status, "running")));
  return Number(row?.held ?? 0);
}
