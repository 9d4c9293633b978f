import { processSingleton } from "@/lib/process-singleton";
import type { LimitResult } from "./types";

// What the limiter last said of each caller on this instance, so that a run's request may go on
// while its verdict is on its way (lib/api/route.ts, `overlapsRateLimit`) — only for a caller well
// under its limit: at most half its limit's worth of requests from the last answer on, counted down
// here as they go, and within that answer's window. Each of them still gets its own verdict (which
// refreshes this), and a refusal is still a 429: the overlap only decides what may start meanwhile.
// A caller near or over its limit, or not seen yet, waits for its verdict first.

/** Callers remembered per process (least recent first out past this). */
const MAX_CALLERS = 10_000;
const seen = processSingleton("ratelimit-headroom", () => new Map<string, { left: number; until: number }>());

/** Records a verdict: how many requests may overlap the next ones, until the window resets. */
export function noteVerdict(id: string, rl: LimitResult) {
  seen.delete(id);
  if (!rl.success) return;
  const left = rl.remaining - Math.ceil(rl.limit / 2);
  if (left <= 0) return;
  if (seen.size >= MAX_CALLERS) seen.delete(seen.keys().next().value!);
  seen.set(id, { left, until: rl.reset });
}

/** True (and counted) when this caller may go on before its verdict; false: wait for it. */
export function takeHeadroom(id: string, now = Date.now()): boolean {
  const h = seen.get(id);
  if (!h || h.until <= now || h.left <= 0) return false;
  h.left--;
  return true;
}
