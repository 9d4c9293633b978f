import { processSingleton } from "@/lib/process-singleton";
import { getEnv } from "@/lib/env";

// Per provider and per instance (process): a provider whose calls failed LLM_BREAKER_FAILURES
// times in a row (5xx, timeouts, connection errors — not 4xx, not 429) is skipped for
// LLM_BREAKER_COOLDOWN_MS, so a dead provider costs one timeout, not one per request. After the
// cool-down one call is let through (half-open): its success closes the breaker, its failure
// opens it again. The probe holds its turn for one cool-down at most: a probe that ends in
// neither (its client went away) gives the turn back, and one that is lost cannot keep the
// breaker open for good. Instances do not share state: each learns on its own, which is enough
// to bound the cost to a few calls per instance.

type State = { failures: number; openUntil: number; probeUntil: number };
const states = processSingleton("circuit-breakers", () => new Map<string, State>());

function stateOf(provider: string): State {
  let s = states.get(provider);
  if (!s) states.set(provider, (s = { failures: 0, openUntil: 0, probeUntil: 0 }));
  return s;
}

/** Whether a call to this provider may go out now (taking the half-open probe if it is due). */
export function breakerAllows(provider: string, now = Date.now()): boolean {
  const s = stateOf(provider);
  if (s.failures < getEnv().LLM_BREAKER_FAILURES) return true;
  if (now < s.openUntil || now < s.probeUntil) return false;
  s.probeUntil = now + getEnv().LLM_BREAKER_COOLDOWN_MS;
  return true;
}

/** Closed: calls go out with no probe to take (what a call sent ahead of its run's reservation asks; lib/runs/early-dispatch.ts). */
export function breakerClosed(provider: string): boolean {
  return stateOf(provider).failures < getEnv().LLM_BREAKER_FAILURES;
}

export function breakerSucceeded(provider: string) {
  const s = stateOf(provider);
  s.failures = 0;
  s.probeUntil = 0;
}

/** The call told nothing about the provider (canceled by its client): a probe's turn goes back. */
export function breakerReleased(provider: string) {
  stateOf(provider).probeUntil = 0;
}

export function breakerFailed(provider: string, now = Date.now()) {
  const s = stateOf(provider);
  s.failures++;
  s.probeUntil = 0;
  if (s.failures >= getEnv().LLM_BREAKER_FAILURES) s.openUntil = now + getEnv().LLM_BREAKER_COOLDOWN_MS;
}

/** For the health endpoint: providers currently skipped. */
export function breakerOpen(provider: string, now = Date.now()): boolean {
  const s = states.get(provider);
  return !!s && s.failures >= getEnv().LLM_BREAKER_FAILURES && now < s.openUntil;
}

export function resetBreakersForTests() {
  states.clear();
}

/** For the operator console: this instance's view of a provider (failures in a row, open until when). */
export function breakerState(provider: string, now = Date.now()) {
  const s = states.get(provider);
  const failures = s?.failures ?? 0;
  const open = !!s && failures >= getEnv().LLM_BREAKER_FAILURES && now < s.openUntil;
  return {
    failures,
    threshold: getEnv().LLM_BREAKER_FAILURES,
    state: open ? ("open" as const) : failures >= getEnv().LLM_BREAKER_FAILURES ? ("half-open" as const) : ("closed" as const),
    openUntil: open ? new Date(s.openUntil) : null,
  };
}
