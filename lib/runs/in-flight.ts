import { processSingleton } from "@/lib/process-singleton";

// The runs of this process that are not yet finished and settled, and whether the process is
// draining (lib/server/drain.ts): a draining instance takes no new run.

/** How long a request past the draining check may hold the drain before its run is tracked (a bound, not a wait). */
const ADMISSION_HOLD_MAX_MS = 30_000;

const state = processSingleton("drain", () => ({
  draining: false,
  inFlight: new Set<Promise<unknown>>(),
  admitting: new Set<Promise<void>>(),
}));

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

/**
 * A request that passed the draining check is still preparing and reserving its run when a
 * SIGTERM may arrive: the drain waits for it as well, until `release` (its run tracked, or the
 * request refused). A hold the caller never releases ends on its own after ADMISSION_HOLD_MAX_MS.
 */
export function holdAdmission(): () => void {
  let release!: () => void;
  const hold = new Promise<void>((resolve) => (release = resolve));
  state.admitting.add(hold);
  const timer = setTimeout(release, ADMISSION_HOLD_MAX_MS);
  timer.unref?.();
  void hold.then(() => {
    clearTimeout(timer);
    state.admitting.delete(hold);
  });
  return release;
}

/** How many runs are in flight. */
export const inFlightCount = () => state.inFlight.size;

/** How many requests hold the drain while they prepare and reserve their runs. */
export const admittingCount = () => state.admitting.size;

/**
 * Settles once no run is in flight — including runs tracked after the call began, by requests
 * admitted before the drain (`admissions`: wait for those still being admitted, too).
 */
export async function allInFlight({ admissions = true }: { admissions?: boolean } = {}): Promise<void> {
  for (;;) {
    const waiting: Promise<unknown>[] = [...state.inFlight, ...(admissions ? state.admitting : [])];
    if (!waiting.length) return;
    await Promise.allSettled(waiting);
  }
}
