import { Ratelimit } from "@upstash/ratelimit";
import type { Limiter, LimitResult, RateLimitPolicy } from "./types";
import type { RatelimitRedis } from "./redis-adapter";

export type RemoteLimiterOptions = {
  kind: string;
  redis: RatelimitRedis;
  ping: () => Promise<unknown>;
  close?: () => Promise<void>;
  /** Prepended to every key (tests share one Redis). */
  keyPrefix?: string;
};

/**
 * A Limiter on @upstash/ratelimit's sliding window, whatever carries its commands (Upstash REST,
 * or node-redis through the adapter). One Ratelimit per distinct policy and limit, created on first
 * use and kept: a key's override only adds an instance. All instances of a policy share its Redis
 * keys, so changing a key's limit keeps what it has already used.
 */
export function createRatelimitLimiter({ kind, redis, ping, close, keyPrefix = "" }: RemoteLimiterOptions): Limiter {
  const instances = new Map<string, Ratelimit>();
  const instanceFor = (policy: RateLimitPolicy) => {
    const id = `${policy.prefix}|${policy.limit}|${policy.windowMs}`;
    let rl = instances.get(id);
    if (!rl) {
      rl = new Ratelimit({
        redis: redis as ConstructorParameters<typeof Ratelimit>[0]["redis"],
        limiter: Ratelimit.slidingWindow(policy.limit, `${policy.windowMs} ms`),
        prefix: `${keyPrefix}${policy.prefix}`,
        // Its own timeout answers "success" (fails open) on its own; checkLimit bounds the wait
        // instead, so that RATE_LIMIT_FAIL_MODE=closed holds.
        timeout: 0,
        analytics: false,
        enableTelemetry: false,
      });
      instances.set(id, rl);
    }
    return rl;
  };
  return {
    kind,
    async limit(id: string, policy: RateLimitPolicy): Promise<LimitResult> {
      const r = await instanceFor(policy).limit(id);
      return { success: r.success, limit: r.limit, remaining: r.remaining, reset: r.reset };
    },
    ping,
    close,
  };
}
