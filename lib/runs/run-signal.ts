import { getEnv } from "@/lib/env";
import { RunTimeoutError } from "./engine";

/**
 * The abort signal of one run: the client going away, or the run's maximum duration (300 s by
 * default, as the seeds promise). `dispose` clears the timer once the run is over.
 */
export function runSignal(clientSignal?: AbortSignal): { signal: AbortSignal; abort: (reason?: unknown) => void; dispose: () => void } {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(new RunTimeoutError()), getEnv().RUN_MAX_DURATION_S * 1000);
  timer.unref?.();
  const onClientAbort = () => ctrl.abort(clientSignal?.reason);
  if (clientSignal?.aborted) onClientAbort();
  else clientSignal?.addEventListener("abort", onClientAbort, { once: true });
  return {
    signal: ctrl.signal,
    abort: (reason) => ctrl.abort(reason),
    dispose: () => {
      clearTimeout(timer);
      clientSignal?.removeEventListener("abort", onClientAbort);
    },
  };
}
