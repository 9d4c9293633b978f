import { getEnv } from "@/lib/env";
import { registerRun, type RunProgress } from "./active-runs";
import { RunTimeoutError } from "@/lib/llm/engine";

/**
 * The abort signal of one run: the client going away, a cancel (POST /runs/:id/cancel, from any
 * instance), or the run's maximum duration (300 s by default, as the seeds promise). While it
 * lives, the run is registered as active in this process; `dispose` ends both.
 */
export function runSignal(
  clientSignal: AbortSignal | undefined,
  run: { id: string; orgId: string; maskStored?: boolean },
): { signal: AbortSignal; abort: (reason?: unknown) => void; progress: RunProgress; dispose: () => void } {
  const ctrl = new AbortController();
  const abort = (reason?: unknown) => ctrl.abort(reason);
  const timer = setTimeout(() => abort(new RunTimeoutError()), getEnv().RUN_MAX_DURATION_S * 1000);
  timer.unref?.();
  const onClientAbort = () => abort(clientSignal?.reason);
  if (clientSignal?.aborted) onClientAbort();
  else clientSignal?.addEventListener("abort", onClientAbort, { once: true });
  const registration = registerRun(run.id, run.orgId, abort, run.maskStored);
  return {
    signal: ctrl.signal,
    abort,
    progress: registration.progress,
    dispose: () => {
      clearTimeout(timer);
      clientSignal?.removeEventListener("abort", onClientAbort);
      registration.done();
    },
  };
}
