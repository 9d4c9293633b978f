import "server-only";
import { logger } from "@/lib/logger";
import { processSingleton } from "@/lib/process-singleton";
import { RETENTION_SWEEP_EVERY_MS, sweepRetention } from "@/lib/retention/sweep-retention";
import { getRunBus } from "@/lib/runs/run-bus";

/**
 * Server start (lib/server/boot.ts): the retention sweeper, once a minute on every instance (its
 * batches are safe side by side: lib/retention/sweep-retention.ts). A cleared run's resume events
 * (the run bus keeps an ended run's for an hour) go too: only a 0-day retention clears that soon.
 */
export function startRetentionSweeper() {
  processSingleton("retention-sweeper", () => {
    let running = false;
    return setInterval(() => {
      if (running) return; // a slow pass is not overlapped by the next
      running = true;
      void retentionPass()
        .catch((err) => logger.warn("retention sweep failed", { err }))
        .finally(() => (running = false));
    }, RETENTION_SWEEP_EVERY_MS).unref();
  });
}

export async function retentionPass(o?: Parameters<typeof sweepRetention>[0]) {
  const cleared = await sweepRetention(o);
  const bus = getRunBus();
  // The bus keeps an ended run's events for an hour: only runs that ended since may still have some.
  const recent = cleared.filter((r) => Date.now() - r.finishedAt.getTime() < 3600_000 + 60_000);
  for (const r of recent) await bus.forget(r.id).catch(() => {});
  return cleared;
}
