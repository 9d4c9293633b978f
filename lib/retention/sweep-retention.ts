import "server-only";
import { getBackgroundDb } from "@/db";
import { clearRunCopies, redactExpiredRuns, type RedactedRun } from "@/db/queries/retention";
import { logger } from "@/lib/logger";

// The retention sweeper: clears the stored inputs and outputs of finished runs older than their
// org's `retention_days` (README, "Retention and masking"). Every instance runs it; each batch is
// one transaction whose runs are locked with SKIP LOCKED and marked `redacted_at`, so instances
// sweeping together take different runs, and a run is never cleared twice. Runs, their metering
// (tokens, credits, status, timings, model, attempts) and the ledger are never touched.

/** How often every instance sweeps. */
export const RETENTION_SWEEP_EVERY_MS = 60_000;
/** A retention of 0 days still keeps a run's answer this long after it ends: the caller, webhooks and resumes collect it. */
export const ZERO_RETENTION_GRACE_S = 300;

export type RetentionSweep = { batch?: number; maxBatches?: number; maxMs?: number; zeroGraceS?: number };

/**
 * One pass: batches of `batch` runs until none is due, `maxBatches` were cleared or `maxMs` has
 * passed. Returns the runs it cleared (their run-bus entries can then be dropped).
 */
export async function sweepRetention({
  batch = 200,
  maxBatches = 25,
  maxMs = 5_000,
  zeroGraceS = ZERO_RETENTION_GRACE_S,
}: RetentionSweep = {}): Promise<RedactedRun[]> {
  const db = await getBackgroundDb();
  const t0 = performance.now();
  const cleared: RedactedRun[] = [];
  for (let n = 0; n < maxBatches && performance.now() - t0 < maxMs; n++) {
    const done = await db.transaction(async (tx) => {
      const runs = await redactExpiredRuns(tx, { limit: batch, zeroGraceS });
      await clearRunCopies(tx, runs);
      return runs;
    });
    cleared.push(...done);
    if (done.length < batch) break;
  }
  if (cleared.length) logger.info("retention: cleared runs' inputs and outputs", { count: cleared.length });
  return cleared;
}
