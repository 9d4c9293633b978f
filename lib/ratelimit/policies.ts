import { getEnv } from "@/lib/env";
import type { RateLimitPolicy } from "./types";

export type { RateLimitPolicy };

// Named limits in one place. Rate limits protect the service; credits are billing.

/** Requests per minute per API key: the key's own override, else RATE_LIMIT_PER_MINUTE. /token, /run and /stream share it. */
export function apiKeyPolicy(override: number | null | undefined): RateLimitPolicy {
  return { name: "api", limit: override ?? getEnv().RATE_LIMIT_PER_MINUTE, windowMs: 60_000, prefix: "rl:api" };
}
