import "server-only";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/logger";
import { createMemoryLimiter } from "./memory-limiter";
import type { Limiter, LimitResult, RateLimitPolicy } from "./types";
import { createRedisLimiter } from "./redis-limiter";
import { createUpstashLimiter } from "./upstash-limiter";
import { processSingleton, replaceProcessSingleton } from "@/lib/process-singleton";

export type { Limiter, LimitResult };

// One limiter (and so one Redis client) per process, not one per Next bundle (lib/process-singleton.ts).

/**
 * The backend chosen by env: Upstash REST when UPSTASH_REDIS_REST_URL and _TOKEN are set, else
 * Redis when REDIS_URL is, else the in-process limiter (one instance only).
 */
export function getLimiter(): Limiter {
  return processSingleton("limiter", createLimiterFromEnv);
}

function createLimiterFromEnv(): Limiter {
  const env = getEnv();
  if (env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN) {
    return createUpstashLimiter(env.UPSTASH_REDIS_REST_URL, env.UPSTASH_REDIS_REST_TOKEN);
  }
  if (env.REDIS_URL) return createRedisLimiter(env.REDIS_URL);
  return createMemoryLimiter();
}

/** Tests install their limiter here (undefined: back to the one from env). */
export function setLimiter(l: Limiter | undefined) {
  replaceProcessSingleton("limiter", l);
}

/**
 * Asks the backend with a bounded wait. A slow or failed backend never hangs a request: it fails
 * open (logged), or closed when RATE_LIMIT_FAIL_MODE=closed.
 */
export async function checkLimit(id: string, policy: RateLimitPolicy): Promise<LimitResult> {
  const env = getEnv();
  let timer: NodeJS.Timeout | undefined;
  try {
    const result = await Promise.race([
      getLimiter().limit(id, policy),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`rate limiter timed out after ${env.RATE_LIMIT_TIMEOUT_MS} ms`)),
          env.RATE_LIMIT_TIMEOUT_MS,
        );
      }),
    ]);
    unwarned = -1;
    return result;
  } catch (err) {
    warnUnavailable(env.RATE_LIMIT_FAIL_MODE, err);
    const reset = Date.now() + policy.windowMs;
    return env.RATE_LIMIT_FAIL_MODE === "closed"
      ? { success: false, limit: policy.limit, remaining: 0, reset }
      : { success: true, limit: policy.limit, remaining: policy.limit, reset };
  } finally {
    clearTimeout(timer);
  }
}

// While the store is down every request fails the same way: a warning at the first failure, then
// one per interval with the count of requests it stands for, instead of a line per request.
const WARN_EVERY_MS = 10_000;
let lastWarn = { at: 0, failMode: "" };
/** Failures not logged yet; -1 after a success, so that the next failure is logged at once. */
let unwarned = -1;

function warnUnavailable(failMode: string, err: unknown) {
  const now = Date.now();
  const first = unwarned < 0 || failMode !== lastWarn.failMode;
  unwarned = Math.max(unwarned, 0) + 1;
  if (!first && now - lastWarn.at < WARN_EVERY_MS) return;
  logger.warn("rate limiter unavailable", { failMode, requests: unwarned, err });
  lastWarn = { at: now, failMode };
  unwarned = 0;
}
