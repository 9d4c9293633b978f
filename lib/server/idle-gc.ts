import "server-only";
import { processSingleton } from "@/lib/process-singleton";
import { watchRunActivity } from "@/lib/runs/active-runs";

// Returning a burst's memory. V8 keeps the pages a load peak grew its heap to until its memory
// reducer judges the process idle — seconds later, or, in a full `npm run bench`, not within 30 s
// (RSS 222 MB at start, 889 MB 30 s after the run, 324 MB of the heap still "used": garbage nobody
// collected). A container sized by memory pays for that peak for as long as it lasts. So when this
// process has had no run for 2 s and the heap V8 holds (heapTotal) has grown by a quarter or more
// since the last such collection, it runs one full collection: the heap is compacted and V8 gives
// the pages back. What is held, not what is used: V8's own collections during the load leave the
// used heap near where it started while the pages stay (round 15: 111 MB used, 240 MB held, RSS
// 5 s after a full bench at 1.47× its start, uncollected). (Used by half, then a quarter, before:
// rounds 8 and 14.)
// Needs `gc`, exposed by --expose-gc (scripts/next-start.ts passes it); without it, nothing happens.

const settings = processSingleton("idle-gc-settings", () => ({
  idleMs: 2000,
  /** Never for a heap below this: a full collection of a small heap gives little back. */
  floorBytes: 128 * 1024 * 1024,
}));

type Gc = (options?: { type?: "major" | "minor"; execution?: "sync" | "async"; flavor?: "regular" | "last-resort" }) => void;
const state = processSingleton("idle-gc", () => ({ timer: undefined as NodeJS.Timeout | undefined, after: 0, collections: 0 }));

/** Server start (lib/server/boot.ts): collect after the runs of a burst, once, for the whole process. */
export function startIdleGc() {
  processSingleton("idle-gc-watch", () => watchRunActivity({ busy: runsBusy, idle: runsIdle }));
}

/** A run started: not idle. */
function runsBusy() {
  clearTimeout(state.timer);
  state.timer = undefined;
}

/** The last run of this process ended: collect if nothing starts for IDLE_MS. */
function runsIdle() {
  const gc = (globalThis as { gc?: Gc }).gc;
  if (!gc) return;
  clearTimeout(state.timer);
  state.timer = setTimeout(() => {
    state.timer = undefined;
    const held = process.memoryUsage().heapTotal;
    if (held < Math.max(settings.floorBytes, 1.25 * state.after)) return;
    // "last-resort": V8's memory-reducing collection (as its memory reducer runs it), which also
    // shrinks the young generation and releases the pages it keeps pooled. A plain major
    // collection left RSS where it was (644 MB, the heap 226 MB of it).
    gc({ type: "major", execution: "sync", flavor: "last-resort" });
    state.collections++;
    state.after = process.memoryUsage().heapTotal;
  }, settings.idleMs).unref();
}

/** Idle collections so far in this process (the bench's memory probe reports it). */
export const idleCollections = () => state.collections;

/** Tests: a shorter wait, a smaller floor. */
export function configureIdleGc(o: Partial<typeof settings>) {
  Object.assign(settings, o);
}
