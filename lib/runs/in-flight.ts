import { processSingleton } from "@/lib/process-singleton";

// The runs of this process that are not yet finished and settled, and whether the process is
// draining (lib/server/drain.ts): a draining instance takes no new run.

const state = processSingleton("drain", () => ({ draining: false, inFlight: new Set<Promise<unknown>>() }));

export const isDraining = () => state.draining;

/** Refuse new runs from now on (or, `false`, again take them: tests that go on after a drain). */
export function setDraining(on: boolean) {
  state.draining = on;
}

/** Keeps the process alive for a run until it is finished and settled (and its stream ended). */
export function trackRun<T>(p: Promise<T>): Promise<T> {
  state.inFlight.add(p);
  const forget = () => state.inFlight.delete(p);
  p.then(forget, forget);
  return p;
}

/** How many runs are in flight, and a promise that settles when every one of them has. */
export const inFlightCount = () => state.inFlight.size;
export const allInFlight = () => Promise.allSettled([...state.inFlight]);
