import "server-only";
import { getBackgroundDb } from "@/db";
import { listStaleRuns } from "@/db/queries/runs";
import { settleOrphan } from "@/lib/credits/settle";
import { logger } from "@/lib/logger";
import { localRunIds } from "./active-runs";

/**
 * How long a run's lease lasts without renewal before another instance claims it. Its instance
 * renews it every HEARTBEAT_MS (lib/runs/active-runs.ts); six missed renewals is usually a process
 * that died (SIGKILL, OOM, a lost machine) — or one whose event loop is blocked, which is why the
 * claim is provisional (lib/credits/README.md, 7).
 */
export const ORPHAN_AFTER_MS = 30_000;
/** How often every instance sweeps: a dead instance's runs are closed within ORPHAN_AFTER_MS + SWEEP_EVERY_MS. */
export const SWEEP_EVERY_MS = 10_000;

/**
 * Claims runs whose lease expired: a run still "running" not renewed for ORPHAN_AFTER_MS is failed
 * `orphaned` and settled for what it provably used, its saved output kept (lib/credits/settle.ts,
 * settleOrphan); its owner's later finish, if it comes, replaces that. The runs this process is
 * executing are never swept by it.
 * `olderThanMs: 0` sweeps every other running run — right at boot of the embedded database,
 * which only this process can hold.
 */
export async function sweepOrphanedRuns({ olderThanMs = ORPHAN_AFTER_MS }: { olderThanMs?: number } = {}) {
  const db = await getBackgroundDb();
  const stale = await listStaleRuns(db, new Date(Date.now() - olderThanMs), { exclude: localRunIds() });
  let closed = 0;
  for (const run of stale) {
    if (await settleOrphan(run)) closed++;
  }
  if (closed) logger.warn("closed orphaned runs", { count: closed });
  return closed;
}
