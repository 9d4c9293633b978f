import { processSingleton } from "@/lib/process-singleton";
import { getEnv } from "@/lib/env";

// Per provider and per instance (process): a provider whose calls failed LLM_BREAKER_FAILURES
// times in a row (5xx, timeouts, connection errors — not 4xx, not 429), over at least
// LLM_BREAKER_SPAN_MS, is skipped for LLM_BREAKER_COOLDOWN_MS, so a dead provider costs one
// timeout, not one per request. The span is what tells a dead provider from one bad moment: under
// load, the calls in flight when connections reset fail together (bench/README.md, round 18: nine
// within 7 ms, each retried with success), and without it the breaker then turned away every new
// run until one of the calls already streaming reported a token. After the cool-down one call is
// let through (half-open): its success closes the breaker, its failure opens it again. The probe
// holds its turn for one cool-down at most: a probe that ends in neither (its client went away)
// gives the turn back, and one that is lost cannot keep the breaker open for good. Instances do
// not share state: each learns on its own, which is enough to bound the cost to a few calls per
// instance.

/** `since`: when the first of the failures in a row ended; `tripped`: opened, until a success. */
type State = { failures: number; since: number; tripped: boolean; openUntil: number; probeUntil: number };
const states = processSingleton("circuit-breakers", () => new Map<string, State>());

function stateOf(provider: string): State {
  let s = states.get(provider);
  if (!s) states.set(provider, (s = { failures: 0, since: 0, tripped: false, openUntil: 0, probeUntil: 0 }));
  return s;
}

/** Tripped and within its cool-down: calls are skipped (a half-open breaker's cool-down is over). */
const isOpen = (s: State | undefined, now: number) => !!s && s.tripped && now < s.openUntil;

/** Whether a call to this provider may go out now (taking the half-open probe if it is due). */
export function breakerAllows(provider: string, now = Date.now()): boolean {
  const s = stateOf(provider);
  if (!s.tripped) return true;
  if (isOpen(s, now) || now < s.probeUntil) return false;
  s.probeUntil = now + getEnv().LLM_BREAKER_COOLDOWN_MS;
  return true;
}

/** Closed: calls go out with no probe to take (what a call sent ahead of its run's reservation asks; lib/runs/early-dispatch.ts). */
export function breakerClosed(provider: string): boolean {
  return !stateOf(provider).tripped;
}

export function breakerSucceeded(provider: string) {
  const s = stateOf(provider);
  s.failures = 0;
  s.tripped = false;
  s.probeUntil = 0;
}

/** The call told nothing about the provider (canceled by its client): a probe's turn goes back. */
export function breakerReleased(provider: string) {
  stateOf(provider).probeUntil = 0;
}

export function breakerFailed(provider: string, now = Date.now()) {
  const s = stateOf(provider);
  if (s.failures++ === 0) s.since = now;
  s.probeUntil = 0;
  const env = getEnv();
  if (s.tripped || (s.failures >= env.LLM_BREAKER_FAILURES && now - s.since >= env.LLM_BREAKER_SPAN_MS)) {
    s.tripped = true;
    s.openUntil = now + env.LLM_BREAKER_COOLDOWN_MS;
  }
}

/** For the health endpoint: providers currently skipped. */
export function breakerOpen(provider: string, now = Date.now()): boolean {
  return isOpen(states.get(provider), now);
}

export function resetBreakersForTests() {
  states.clear();
}

/** For the operator console: this instance's view of a provider (failures in a row, open until when). */
export function breakerState(provider: string, now = Date.now()) {
  const s = states.get(provider);
  const failures = s?.failures ?? 0;
  const open = isOpen(s, now);
  return {
    failures,
    threshold: getEnv().LLM_BREAKER_FAILURES,
    state: open ? ("open" as const) : s?.tripped ? ("half-open" as const) : ("closed" as const),
    openUntil: s && open ? new Date(s.openUntil) : null,
  };
}
