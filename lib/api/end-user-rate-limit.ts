import type { Principal } from "@/lib/auth/principal";
import { AppError } from "@/lib/errors";
import { checkLimit } from "@/lib/ratelimit/limiter";
import { endUserPolicy } from "@/lib/ratelimit/policies";
import { workflowEndUserRateLimit } from "@/lib/workflows/end-user-rate-limit";

/**
 * Per-end-user rate limits of token traffic (`end_user_rate_limit_per_minute` on the key or the
 * workflow): a request attributed to an end user — the stream token's user, else the body's
 * `user`, as the run records it (lib/runs/open-run.ts endUserOf) — counts against each limit that
 * is set, on the same limiter as the key's own limit. A refusal is the same 429 with the same
 * headers, describing the limit that refused. Requests with no end user are not counted.
 */
export async function enforceEndUserRateLimit(
  principal: Principal,
  { workflowId, bodyUser }: { workflowId: string; bodyUser: unknown },
  headers: Headers,
) {
  if (!principal.keyId) return;
  const endUser = principal.endUser ?? (typeof bodyUser === "string" && bodyUser ? bodyUser.slice(0, 200) : null);
  if (endUser === null) return;
  const checks: Array<{ id: string; limit: number; of: "key" | "workflow" }> = [];
  if (principal.endUserRateLimitPerMinute)
    checks.push({ id: `${principal.keyId}:${endUser}`, limit: principal.endUserRateLimitPerMinute, of: "key" });
  const wfLimit = await workflowEndUserRateLimit(principal.orgId, workflowId);
  if (wfLimit) checks.push({ id: `${workflowId}:${endUser}`, limit: wfLimit, of: "workflow" });
  for (const c of checks) {
    const rl = await checkLimit(c.id, endUserPolicy(c.limit, c.of));
    if (rl.success) continue;
    headers.set("x-ratelimit-limit", String(rl.limit));
    headers.set("x-ratelimit-remaining", String(rl.remaining));
    headers.set("x-ratelimit-reset", String(Math.ceil(rl.reset / 1000)));
    throw new AppError("rate_limited");
  }
}
