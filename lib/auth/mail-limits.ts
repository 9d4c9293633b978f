import "server-only";
import { createHash } from "node:crypto";
import { APIError, getIP } from "better-auth/api";
import type { BetterAuthOptions } from "better-auth";
import { checkLimit } from "@/lib/ratelimit/limiter";
import { ACCOUNT_MAIL_POLICIES, type RateLimitPolicy } from "@/lib/ratelimit/policies";

// Requests that make us mail someone: limited per recipient (so nobody floods an inbox) and per
// client address (so nobody sprays many). Both before better-auth looks the address up, so the
// answer is the same for an address with an account and one without.
const LIMITED: Record<string, { perAddress: RateLimitPolicy; perIp: RateLimitPolicy }> = {
  "/request-password-reset": { perAddress: ACCOUNT_MAIL_POLICIES.resetPerAddress, perIp: ACCOUNT_MAIL_POLICIES.resetPerIp },
  "/send-verification-email": { perAddress: ACCOUNT_MAIL_POLICIES.verifyPerAddress, perIp: ACCOUNT_MAIL_POLICIES.verifyPerIp },
};

type Ctx = { path: string; body?: unknown; request?: Request; headers?: Headers; context: { options: BetterAuthOptions } };

export async function limitAccountMail(ctx: Ctx) {
  const rule = LIMITED[ctx.path];
  if (!rule) return;
  const email = (ctx.body as { email?: unknown } | undefined)?.email;
  const ip = ctx.request || ctx.headers ? getIP(ctx.request ?? ctx.headers!, ctx.context.options) : null;
  const checks: Array<[string, RateLimitPolicy]> = [];
  // Redis keys carry a hash of the address, not the address.
  if (typeof email === "string")
    checks.push([createHash("sha256").update(email.trim().toLowerCase()).digest("hex").slice(0, 32), rule.perAddress]);
  if (ip) checks.push([ip, rule.perIp]);
  for (const [id, policy] of checks) {
    const r = await checkLimit(id, policy);
    if (!r.success) {
      const retryAfter = Math.max(1, Math.ceil((r.reset - Date.now()) / 1000));
      throw new APIError(
        "TOO_MANY_REQUESTS",
        { message: `Too many requests: try again in ${Math.ceil(retryAfter / 60)} minutes`, code: "RATE_LIMITED" },
        { "retry-after": String(retryAfter) },
      );
    }
  }
}
