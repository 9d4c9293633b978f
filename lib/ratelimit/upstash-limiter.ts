import { Redis } from "@upstash/redis";
import type { Limiter } from "./types";
import { createRatelimitLimiter } from "./ratelimit-limiter";

/** The Upstash backend (UPSTASH_REDIS_REST_URL / _TOKEN): @upstash/ratelimit over Upstash's REST API. */
export function createUpstashLimiter(url: string, token: string, { keyPrefix }: { keyPrefix?: string } = {}): Limiter {
  const redis = new Redis({
    url,
    token,
    // Its default retries a failed fetch 5 times with backoff; checkLimit has already given up by
    // then, so retries would only pile up requests against an Upstash that is down.
    retry: false,
    enableTelemetry: false,
  });
  return createRatelimitLimiter({ kind: "upstash", redis, keyPrefix, ping: () => redis.ping() });
}
