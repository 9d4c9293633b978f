import { hasApiScope, verifyApiKey, type ApiScope } from "@/lib/auth/api-keys";
import type { Principal } from "@/lib/auth/principal";
import { checkOrigin } from "@/lib/auth/visibility";
import { userPrincipal } from "@/lib/auth/user-principal";
import { AppError } from "@/lib/errors";
import { checkLimit } from "@/lib/ratelimit/limiter";
import { noteVerdict } from "@/lib/ratelimit/headroom";
import { apiKeyPolicy } from "@/lib/ratelimit/policies";
import { redeemToken } from "@/lib/stream-tokens/stream-tokens";

export type AuthMode =
  /** Authorization: Bearer sk_… */
  | "apiKey"
  /**
   * ?token=pub_tok_… (single use), or a Bearer key for server-side callers; a token wins when both
   * are sent. A token may also come as the Bearer value (the OpenAI SDKs can only send an apiKey).
   */
  | "streamTokenOrKey"
  /** The dashboard's signed-in user (better-auth's login cookie), acting in the org named by x-flowgate-org: the playground. */
  | "user"
  | "none";

export const CORS_HEADERS: Record<string, string> = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers": "content-type, authorization, accept, last-event-id, idempotency-key",
  "access-control-expose-headers":
    "x-run-id, x-request-id, idempotent-replayed, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset, retry-after, server-timing",
  "access-control-max-age": "86400",
};

/** Authenticates, then refuses (403) a caller that holds none of the scopes the operation needs. */
export async function authenticate(req: Request, mode: AuthMode, needs?: ApiScope | readonly ApiScope[]): Promise<Principal | null> {
  const principal = await identify(req, mode);
  const anyOf: readonly ApiScope[] = typeof needs === "string" ? [needs] : (needs ?? []);
  if (principal && anyOf.length && !anyOf.some((scope) => hasApiScope(principal, scope))) {
    throw new AppError(
      "forbidden",
      anyOf.length > 1
        ? `This key has none of the scopes ${anyOf.join(", ")}`
        : anyOf[0] === "admin"
          ? "This key has no admin scope: create one with the admin scope to manage workflows"
          : "This key has no run scope: it may manage workflows, not run them",
    );
  }
  return principal;
}

async function identify(req: Request, mode: AuthMode): Promise<Principal | null> {
  if (mode === "none") return null;
  if (mode === "user") return userPrincipal(req);
  if (mode === "streamTokenOrKey") {
    const token = new URL(req.url).searchParams.get("token");
    if (token !== null) return redeemToken(token);
  }
  const auth = req.headers.get("authorization") ?? "";
  const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  if (m && mode === "streamTokenOrKey" && m[1]!.startsWith("pub_tok_")) return redeemToken(m[1]!);
  const principal = m ? await verifyApiKey(m[1]!) : null;
  if (!principal) throw new AppError("unauthorized");
  return principal;
}

/** A key restricted to some origins grants CORS to those only (and refuses the others). */
export function restrictCors(req: Request, principal: Principal, headers: Headers, cors: boolean) {
  try {
    const origin = checkOrigin(req, principal);
    if (origin && cors) {
      headers.set("access-control-allow-origin", origin);
      headers.append("vary", "Origin");
    }
  } catch (e) {
    headers.delete("access-control-allow-origin");
    throw e;
  }
}

/** The id a caller's rate limit counts under. */
export const rateLimitId = (principal: Principal) => principal.keyId ?? `user:${principal.userId}`;

export async function enforceRateLimit(principal: Principal, headers: Headers) {
  const id = rateLimitId(principal);
  const rl = await checkLimit(id, apiKeyPolicy(principal.rateLimitPerMinute));
  noteVerdict(id, rl);
  headers.set("x-ratelimit-limit", String(rl.limit));
  headers.set("x-ratelimit-remaining", String(rl.remaining));
  headers.set("x-ratelimit-reset", String(Math.ceil(rl.reset / 1000)));
  if (!rl.success) throw new AppError("rate_limited");
}
