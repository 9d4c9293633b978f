import { logger } from "@/lib/logger";
import { abortAllLocalRuns } from "@/lib/runs/active-runs";
import { allInFlight, inFlightCount, setDraining } from "@/lib/runs/in-flight";

// Graceful shutdown. On SIGTERM an instance drains: /api/health answers 503 so the balancer stops
// sending it requests, new runs are refused with a 503 before anything is reserved (a client may
// retry at once: another instance takes it), the runs in flight get SHUTDOWN_GRACE_S to finish,
// and whatever is still running then is canceled — its stream gets its terminal event and the run
// is settled for what it produced — before the process exits.

export class ShutdownError extends Error {
  constructor() {
    super("The server shut down before the run finished");
    this.name = "ShutdownError";
  }
}

/** Drains, then resolves when every run of this process has finished and settled. */
export async function drain(graceMs: number): Promise<{ finished: number; canceled: number }> {
  setDraining(true);
  const started = inFlightCount();
  logger.info("draining: refusing new runs", { inFlight: started, graceMs });
  // Requests admitted before the drain began may track their runs after it: waited for too.
  const inTime = await Promise.race([
    allInFlight().then(() => true),
    new Promise<false>((r) => setTimeout(() => r(false), graceMs).unref()),
  ]);
  let canceled = 0;
  if (!inTime) {
    canceled = abortAllLocalRuns(new ShutdownError());
    logger.warn("grace period over: canceling the runs still going", { canceled });
    // Past the grace, only the runs already going are waited for (a hold not yet a run is given up).
    await allInFlight({ admissions: false });
  }
  return { finished: started - canceled, canceled };
}

/** Tests drain a process that goes on testing: this undoes it. */
export function resetDrainForTests() {
  setDraining(false);
}
