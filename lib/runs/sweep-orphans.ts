import "server-only";
import { getDb } from "@/db";
import { finalizeRunWithSettlement } from "@/db/queries/run-ledger";
import { listStaleRuns } from "@/db/queries/runs";
import { creditsReleased } from "@/lib/credits/wait-for-credits";
import { getEnv } from "@/lib/env";
import { newId } from "@/lib/ids";
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
    const done = await finalizeRunWithSettlement(db, {
      runId: run.id, ledgerId: newId.ledger(), status: "failed", cost: 0, output: "", citations: [],
      inputTokens: 0, outputTokens: 0, errorCode: "orphaned", errorMessage: "The server running this run stopped before it finished",
      firstTokenMs: null, latencyMs: null,
    });
    if (done) {
      closed++;
      creditsReleased(run.orgId);
    }
  }
  if (closed) logger.warn("closed orphaned runs", { count: closed });
  return closed;
}
