import { getEnv } from "@/lib/env";
import type { RateLimitPolicy } from "./types";

export type { RateLimitPolicy };

// Named limits in one place. Rate limits protect the service; credits are billing.

/** Requests per minute per API key: the key's own override, else RATE_LIMIT_PER_MINUTE. /token, /run and /stream share it. */
export function apiKeyPolicy(override: number | null | undefined): RateLimitPolicy {
  return { name: "api", limit: override ?? getEnv().RATE_LIMIT_PER_MINUTE, windowMs: 60_000, prefix: "rl:api" };
}

/**
 * Requests per minute per end user (a stream token's user, a run body's `user`) of one key's or one
 * workflow's traffic: `end_user_rate_limit_per_minute` on the key or the workflow. Counted on the
 * same limiter as the key's limit, under its own prefix.
 */
export function endUserPolicy(limit: number, of: "key" | "workflow"): RateLimitPolicy {
  return { name: `end-user-${of}`, limit, windowMs: 60_000, prefix: `rl:eu:${of}` };
}

/**
 * Mail that anyone can make us send (a password reset, a verification resend): counted per
 * address (whether or not it has an account, so the limit says nothing about which do) and per
 * client address. README "Mail" lists the numbers.
 */
export const ACCOUNT_MAIL_POLICIES = {
  resetPerAddress: { name: "password-reset-address", limit: 3, windowMs: 3_600_000, prefix: "rl:mail:reset:to" },
  resetPerIp: { name: "password-reset-ip", limit: 10, windowMs: 3_600_000, prefix: "rl:mail:reset:ip" },
  verifyPerAddress: { name: "verification-address", limit: 3, windowMs: 3_600_000, prefix: "rl:mail:verify:to" },
  verifyPerIp: { name: "verification-ip", limit: 10, windowMs: 3_600_000, prefix: "rl:mail:verify:ip" },
} as const satisfies Record<string, RateLimitPolicy>;
