import type { Limiter, LimitResult, RateLimitPolicy } from "./types";

// In-process sliding window (the same approximation @upstash/ratelimit uses: the previous
// window's count weighted by how much of it still overlaps). Single-instance default.
export function createMemoryLimiter(): Limiter {
  const windows = new Map<string, { start: number; current: number; previous: number }>();
  return {
    kind: "memory",
    async limit(id: string, policy: RateLimitPolicy): Promise<LimitResult> {
      const now = Date.now();
      const start = Math.floor(now / policy.windowMs) * policy.windowMs;
      const key = `${policy.prefix}:${policy.limit}:${id}`;
      let w = windows.get(key);
      if (!w || w.start < start - policy.windowMs) w = { start, current: 0, previous: 0 };
      else if (w.start < start) w = { start, current: 0, previous: w.current };
      windows.set(key, w);
      const weight = 1 - (now - start) / policy.windowMs;
      const used = Math.floor(w.previous * weight) + w.current;
      const reset = start + policy.windowMs;
      if (used >= policy.limit) return { success: false, limit: policy.limit, remaining: 0, reset };
      w.current++;
      return { success: true, limit: policy.limit, remaining: Math.max(0, policy.limit - used - 1), reset };
    },
  };
}
