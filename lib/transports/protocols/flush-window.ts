import { performance } from "node:perf_hooks";
import { getEnv } from "@/lib/env";
import { processSingleton } from "@/lib/process-singleton";

// How long a stream body may gather a paced stream's later deltas before writing them
// (controlledByteStream). Zero while the process has room: every token goes out as it comes. When
// the event loop is busy (its utilization over the last quarter second above BUSY_UTILIZATION),
// STREAM_FLUSH_MS: each stream then writes at most once per window, so a loaded instance spends
// its time starting new streams instead of on one socket write per token of every stream in
// flight — a new stream's first token, never held back, waits less (bench/README.md, round 7).

const SAMPLE_MS = 250;
const BUSY_UTILIZATION = 0.75;

const load = processSingleton("stream-flush-load", () => {
  const state: { busy: boolean; forced?: boolean } = { busy: false };
  let last = performance.eventLoopUtilization();
  setInterval(() => {
    const now = performance.eventLoopUtilization();
    state.busy = performance.eventLoopUtilization(now, last).utilization > BUSY_UTILIZATION;
    last = now;
  }, SAMPLE_MS).unref();
  return state;
});

/** The gathering window for a stream's next write, in milliseconds (0: write on the next turn). */
export function flushWindowMs(): number {
  return (load.forced ?? load.busy) ? getEnv().STREAM_FLUSH_MS : 0;
}

/** Tests: the loop is taken as busy (or not) whatever it measures; undefined: measured again. */
export function setLoopBusyForTests(busy: boolean | undefined) {
  load.forced = busy;
}
