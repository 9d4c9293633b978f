import { verifyApiKey } from "@/lib/auth/api-keys";
import type { Principal } from "@/lib/auth/principal";
import { checkOrigin } from "@/lib/auth/scope";
import { sessionPrincipal } from "@/lib/auth/session-principal";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { checkLimit } from "@/lib/ratelimit/limiter";
import { apiKeyPolicy } from "@/lib/ratelimit/policies";
import { redeemToken } from "@/lib/stream-tokens/stream-tokens";
import { errorResponse } from "./respond";
import { ServerTiming } from "@/lib/server-timing";

export type AuthMode =
  /** Authorization: Bearer sk_… */
  | "apiKey"
  /** ?token=pub_tok_… (single use), or a Bearer key for server-side callers; a token wins when both are sent. */
  | "streamTokenOrKey"
  /** The dashboard's signed-in user (session cookie), acting in the org named by x-flowgate-org: the playground. */
  | "session"
  | "none";

export type RouteContext = { requestId: string; principal: Principal | null; headers: Headers; timing: ServerTiming };
type Handler<P, T> = (a: { req: Request; ctx: RouteContext; params: P; prefetched: T }) => Promise<Response | object>;

export type RouteOptions<P, T> = {
  auth: AuthMode;
  /** Answer CORS preflights and grant any origin (the stream endpoint: the token is the credential). */
  cors?: boolean;
  /**
   * A read-only lookup the handler needs, run while the rate limit is checked instead of after it
   * (one round trip less on the hot path). Its result — or its error — reaches the handler only
   * once the request is admitted, so a 429 still wins over, say, a 404.
   */
  prefetch?: (a: { req: Request; params: P; principal: Principal }) => Promise<T>;
};

export const CORS_HEADERS: Record<string, string> = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, OPTIONS",
  "access-control-allow-headers": "content-type, authorization, accept, last-event-id",
  "access-control-expose-headers": "x-run-id, x-request-id, x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset, retry-after, server-timing",
  "access-control-max-age": "86400",
};

/**
 * The one request pipeline: request id → auth → rate limit → handler → serialize, with a single
 * catch that maps every error to the seed's envelope. Headers set on ctx.headers (request id,
 * rate limits, CORS) are on every response, errors included.
 */
export function apiRoute<P extends Record<string, string> = Record<string, never>, T = undefined>(opts: RouteOptions<P, T>, handler: Handler<P, T>) {
  return async (req: Request, context?: { params?: Promise<P> }): Promise<Response> => {
    const requestId = newId.request();
    const headers = new Headers({ "x-request-id": requestId, "cache-control": "no-store" });
    const timing = new ServerTiming();
    if (opts.cors) for (const [k, v] of Object.entries(CORS_HEADERS)) headers.set(k, v);
    try {
      const principal = await authenticate(req, opts.auth);
      timing.mark("auth");
      if (principal) restrictCors(req, principal, headers, !!opts.cors);
      const params = ((await context?.params) ?? {}) as P;
      const pre = principal && opts.prefetch
        ? opts.prefetch({ req, params, principal }).then((value) => ({ value }), (error: unknown) => ({ error }))
        : undefined;
      if (principal) {
        await enforceRateLimit(principal, headers);
        timing.mark("ratelimit");
      }
      const fetched = pre ? await pre : { value: undefined };
      if ("error" in fetched) throw fetched.error;
      const out = await handler({ req, ctx: { requestId, principal, headers, timing }, params, prefetched: fetched.value as T });
      timing.apply(headers);
      if (out instanceof Response) {
        headers.forEach((v, k) => {
          if (!out.headers.has(k)) out.headers.set(k, v);
        });
        return out;
      }
      return Response.json(out, { headers });
    } catch (e) {
      timing.apply(headers);
      return errorResponse(e, requestId, headers);
    }
  };
}

/** OPTIONS handler for CORS-enabled routes. */
export function corsPreflight() {
  return new Response(null, { status: 204, headers: CORS_HEADERS });
}

async function authenticate(req: Request, mode: AuthMode): Promise<Principal | null> {
  if (mode === "none") return null;
  if (mode === "session") return sessionPrincipal(req);
  if (mode === "streamTokenOrKey") {
    const token = new URL(req.url).searchParams.get("token");
    if (token !== null) return redeemToken(token);
  }
  const auth = req.headers.get("authorization") ?? "";
  const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  const principal = m ? await verifyApiKey(m[1]!) : null;
  if (!principal) throw new AppError("unauthorized");
  return principal;
}

/** A key restricted to some origins grants CORS to those only (and refuses the others). */
function restrictCors(req: Request, principal: Principal, headers: Headers, cors: boolean) {
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

async function enforceRateLimit(principal: Principal, headers: Headers) {
  const id = principal.keyId ?? `user:${principal.userId}`;
  const rl = await checkLimit(id, apiKeyPolicy(principal.rateLimitPerMinute));
  headers.set("x-ratelimit-limit", String(rl.limit));
  headers.set("x-ratelimit-remaining", String(rl.remaining));
  headers.set("x-ratelimit-reset", String(Math.ceil(rl.reset / 1000)));
  if (!rl.success) throw new AppError("rate_limited");
}
