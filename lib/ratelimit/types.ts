// The limiter's contract, which every backend implements and limiter.ts (which picks one) returns:
// the backends import it from here, not from the module that imports them.

export type LimitResult = { success: boolean; limit: number; remaining: number; reset: number /* epoch ms */ };
export type Limiter = {
  /** memory | redis | upstash */
  kind: string;
  limit(id: string, policy: RateLimitPolicy): Promise<LimitResult>;
  /** Remote backends answer health checks. */
  ping?: () => Promise<unknown>;
  /** Remote backends drop their connection. */
  close?: () => Promise<void>;
};

/** A named limit (lib/ratelimit/policies.ts). */
export type RateLimitPolicy = { name: string; limit: number; windowMs: number; prefix: string };
