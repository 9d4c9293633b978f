import { getEnv } from "@/lib/env";
import { logger } from "@/lib/logger";
import { createMemoryLimiter } from "./memory-limiter";
import type { RateLimitPolicy } from "./policies";

export type LimitResult = { success: boolean; limit: number; remaining: number; reset: number /* epoch ms */ };
export type Limiter = {
  kind: string;
  limit(id: string, policy: RateLimitPolicy): Promise<LimitResult>;
  /** Remote backends answer health checks. */
  ping?: () => Promise<unknown>;
};

const g = globalThis as unknown as { __flowgateLimiter?: Limiter };

export function getLimiter(): Limiter {
  g.__flowgateLimiter ??= createMemoryLimiter();
  return g.__flowgateLimiter;
}

/** Tests and the Redis backends install their limiter here. */
export function setLimiter(l: Limiter | undefined) {
  g.__flowgateLimiter = l;
}

/**
 * Asks the backend with a bounded wait. A slow or failed backend never hangs a request: it fails
 * open (logged), or closed when RATE_LIMIT_FAIL_MODE=closed.
 */
export async function checkLimit(id: string, policy: RateLimitPolicy): Promise<LimitResult> {
  const env = getEnv();
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      getLimiter().limit(id, policy),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`rate limiter timed out after ${env.RATE_LIMIT_TIMEOUT_MS} ms`)), env.RATE_LIMIT_TIMEOUT_MS);
      }),
    ]);
  } catch (err) {
    logger.warn("rate limiter unavailable", { failMode: env.RATE_LIMIT_FAIL_MODE, err });
    const reset = Date.now() + policy.windowMs;
    return env.RATE_LIMIT_FAIL_MODE === "closed"
      ? { success: false, limit: policy.limit, remaining: 0, reset }
      : { success: true, limit: policy.limit, remaining: policy.limit, reset };
  } finally {
    clearTimeout(timer);
  }
}
