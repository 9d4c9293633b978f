import { getDb } from "@/db";
import { finalizeRun, listStaleRuns } from "@/db/queries/runs";
import { settleCredits } from "@/lib/credits/settle-credits";
import { creditsReleased } from "@/lib/credits/wait-for-credits";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/logger";

const GRACE_MS = 30_000;

/**
 * Closes runs whose process died: nothing legitimately runs past the maximum duration, so a run
 * still "running" after it (plus a grace period) is an orphan. It is failed with `orphaned` and its
 * reservation released (what it produced before the crash is unknown, so nothing is charged).
 * `olderThanMs: 0` sweeps every running run — right at boot of the embedded database, which only
 * this process can hold.
 */
export async function sweepOrphanedRuns({ olderThanMs }: { olderThanMs?: number } = {}) {
  const age = olderThanMs ?? getEnv().RUN_MAX_DURATION_S * 1000 + GRACE_MS;
  const db = await getDb();
  const stale = await listStaleRuns(db, new Date(Date.now() - age));
  let closed = 0;
  for (const run of stale) {
    const done = await db.transaction(async (tx) => {
      const settled = await settleCredits(tx, { orgId: run.orgId, runId: run.id, reserved: run.creditsReserved, cost: 0 });
      const row = await finalizeRun(tx, run.id, {
        status: "failed", errorCode: "orphaned", errorMessage: "The server running this run stopped before it finished",
        creditsCharged: 0,
      });
      if (!settled || !row) tx.rollback();
      return true;
    }).catch(() => false);
    if (done) {
      closed++;
      creditsReleased(run.orgId);
    }
  }
  if (closed) logger.warn("closed orphaned runs", { count: closed });
  return closed;
}
