import type { z } from "zod";
import type { ApiScope } from "@/lib/auth/api-keys";
import type { Principal, UserPrincipal } from "@/lib/auth/principal";
import { runIdempotently } from "@/lib/idempotency/run-idempotently";
import { newId } from "@/lib/ids";
import { ServerTiming } from "@/lib/server-timing";
import { annotateSpan, inRequestSpan, inSpan } from "@/lib/telemetry/trace";
import { parseInputOrThrow } from "@/lib/validation/parse-input";
import { takeHeadroom } from "@/lib/ratelimit/headroom";
import { authenticate, CORS_HEADERS, enforceRateLimit, rateLimitId, restrictCors, type AuthMode } from "./authenticate";
import { enforceEndUserRateLimit } from "./end-user-rate-limit";
import { readJsonObject } from "./body";
import { offerDirectly } from "./direct-routes";
import { queryOf } from "./query";
import { errorResponse, type EnvelopeName } from "./respond";
import type { RouteDoc } from "./route-doc";

export { CORS_HEADERS, type AuthMode };

/** Who the handler is talking to: non-null for every authenticated mode. */
export type PrincipalFor<A extends AuthMode> = A extends "none" ? null : A extends "user" ? UserPrincipal : Principal;
/** "/api/v1/runs/{run_id}/stream" → "run_id" */
type ParamNames<P extends string> = P extends `${string}{${infer N}}${infer Rest}` ? N | ParamNames<Rest> : never;
export type PathParams<P extends string> = { [K in ParamNames<P>]: string };
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

export type RouteContext<A extends AuthMode> = {
  requestId: string;
  principal: PrincipalFor<A>;
  headers: Headers;
  timing: ServerTiming;
  /** An idempotent run's id, chosen when its Idempotency-Key was claimed (the run must take it). */
  runId?: string;
  /**
   * The rate limit's verdict when the handler started before it (spec.overlapsRateLimit): a run
   * awaits it before its reservation (RunRequest.admitted). Rejects with the 429.
   */
  admitted?: Promise<void>;
};

/**
 * `Idempotency-Key` (lib/idempotency/run-idempotently.ts): with the header, the handler runs once
 * per key and API key; a repeat of the same request gets the first answer again. For an operation
 * that starts a run, `run` says how a repeat replays the run (followed live, or its final answer).
 */
export type IdempotencySpec<A extends AuthMode, Path extends string, Q> = {
  run?: {
    follow?: (a: {
      req: Request;
      principal: PrincipalFor<A>;
      params: PathParams<Path>;
      query: Out<Q>;
      rawBody: Record<string, unknown>;
      headers: Headers;
      runId: string;
    }) => Promise<Response>;
    answer: (a: { principal: PrincipalFor<A>; runId: string }) => Promise<object>;
  };
};

/**
 * The key scope an operation needs (403 without it; README, "Management API (CI)"): `run` for what
 * runs a workflow or reads what runs did, `admin` for the management API, or a list when any one
 * of them will do. A stream token holds `run` only.
 */
export type Needs = ApiScope | readonly [ApiScope, ApiScope, ...ApiScope[]];
/** Every route a key or a stream token reaches must say what it needs: the type checker refuses one that has not decided. */
type NeedsFor<A extends AuthMode> = A extends "apiKey" | "streamTokenOrKey" ? { needs: Needs } : { needs?: never };

/**
 * One operation of the API: its method and path (OpenAPI style, `{name}` for a segment; the route
 * file sits in the folder of the same shape, `[name]`), how it authenticates, the zod schemas of
 * its query, body and response, and its documentation. lib/api/openapi builds the API document from
 * these very objects, so what is parsed is what is documented.
 */
export type RouteSpec<A extends AuthMode, Path extends string, Q, B, R, T> = NeedsFor<A> & {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: Path;
  auth: A;
  /**
   * One of the seeds' endpoints (docs/contract.md): an unexpected error answers the seed's 500,
   * "Failed to run workflow"; elsewhere it is the generic "Internal server error".
   */
  seed?: true;
  /** The error body's shape: the native envelope (default), or OpenAI's (the /api/v1/openai surface). */
  errors?: EnvelopeName;
  /** Answer CORS preflights and grant any origin (the stream endpoints: the token is the credential). */
  cors?: boolean;
  /** Parsed from the query string (a repeated key: the first value wins). */
  query?: Q;
  /** Parsed from the JSON object body (at most 1 MB and 64 levels deep; empty → {}). */
  body?: B;
  /** The 200 JSON answer (documentation and the handler's return type; tests check real answers against it). */
  response?: R;
  /**
   * A read-only lookup the handler needs, run while the rate limit is checked instead of after it
   * (one round trip less on the hot path). Its result — or its error — reaches the handler only
   * once the request is admitted, so a 429 still wins over, say, a 404.
   */
  prefetch?: (a: { req: Request; params: PathParams<Path>; query: Out<Q>; principal: PrincipalFor<A> }) => Promise<T>;
  /**
   * A run: requests attributed to an end user also count against the key's and the workflow's
   * per-end-user rate limits (lib/api/end-user-rate-limit.ts). Names the workflow and the body's end user.
   */
  endUserRateLimit?: (a: { params: PathParams<Path>; body: Record<string, unknown> }) => { workflowId: string; user: unknown };
  /**
   * A run whose handler may start before the rate limit's verdict is in, for a caller well under
   * its limit (lib/ratelimit/headroom.ts): the run's first model call may then go out during the
   * limiter's round trip (lib/runs/early-dispatch.ts). The handler passes ctx.admitted on to the
   * run, which awaits it before anything is written; a refusal is still the 429 and wins over any
   * other answer. Not with an Idempotency-Key (its claim would record the 429).
   */
  overlapsRateLimit?: true;
  /** Honour `Idempotency-Key` (API keys only): repeats replay the first answer. */
  idempotent?: IdempotencySpec<A, Path, Q>;
  /**
   * Served by the server process's preload without Next's request routing, once Next has loaded
   * the route file (lib/api/direct-routes.ts): for the hot endpoints only, whose callers pay
   * Next's per-request routing on every run (bench/README.md, round 13).
   */
  direct?: true;
  /** Omitted for routes outside the public API (the dashboard's playground). */
  doc?: RouteDoc;
};

export type RouteHandler<A extends AuthMode, Path extends string, Q, B, R, T> = (a: {
  req: Request;
  ctx: RouteContext<A>;
  params: PathParams<Path>;
  query: Out<Q>;
  body: Out<B>;
  /** The body exactly as sent (its keys as the client wrote them: template variables). */
  rawBody: Record<string, unknown>;
  prefetched: T;
}) => Promise<Response | (R extends z.ZodType ? z.input<R> : object)>;

/** A route handler as Next calls it, carrying the spec it was made from (for the API document and tests). */
export type ApiRoute = ((req: Request, context?: { params?: Promise<Record<string, string>> }) => Promise<Response>) & {
  spec: RouteSpec<AuthMode, string, unknown, unknown, unknown, unknown>;
};

/**
 * The one request pipeline: request id → auth → rate limit (with the prefetch beside it) → query
 * and body parsing → handler → serialize, with a single catch that maps every error to the
 * documented envelope. Headers set on ctx.headers (request id, rate limits, CORS) are on every
 * response, errors included.
 */
export function apiRoute<
  A extends AuthMode,
  Path extends string,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
  R extends z.ZodType | undefined = undefined,
  T = undefined,
>(spec: RouteSpec<A, Path, Q, B, R, T>, handler: RouteHandler<A, Path, Q, B, R, T>): ApiRoute {
  const route = (req: Request, context?: { params?: Promise<Record<string, string>> }): Promise<Response> => {
    const requestId = newId.request();
    return inRequestSpan(spec.method, spec.path, requestId, () => pipeline(req, context, requestId));
  };
  const pipeline = async (
    req: Request,
    context: { params?: Promise<Record<string, string>> } | undefined,
    requestId: string,
  ): Promise<Response> => {
    const headers = new Headers({ "x-request-id": requestId, "cache-control": "no-store" });
    const timing = new ServerTiming();
    if (spec.cors) for (const [k, v] of Object.entries(CORS_HEADERS)) headers.set(k, v);
    // The rate limit's verdict when the request went on before it (spec.overlapsRateLimit).
    let admitted: Promise<void> | undefined;
    // A refusal by that verdict is the answer, whatever else went wrong meanwhile.
    const refusedOr = async (e: unknown) =>
      (await admitted?.then(
        () => undefined,
        (rl: unknown) => rl,
      )) ?? e;
    try {
      const principal = (await inSpan("auth", {}, () => authenticate(req, spec.auth, spec.needs))) as PrincipalFor<A>;
      timing.mark("auth");
      if (principal) annotateSpan({ "flowgate.org_id": principal.orgId });
      if (principal) restrictCors(req, principal, headers, !!spec.cors);
      const params = ((await context?.params) ?? {}) as PathParams<Path>;
      // A bad query, like the prefetch's error, is answered only once the request is admitted.
      const parsed = attempt(() => (spec.query ? parseInputOrThrow(spec.query, queryOf(req)) : undefined) as Out<Q>);
      const pre =
        principal && spec.prefetch && "value" in parsed
          ? spec.prefetch({ req, params, query: parsed.value, principal }).then(
              (value) => ({ value }),
              (error: unknown) => ({ error }),
            )
          : undefined;
      if (principal && spec.overlapsRateLimit && !req.headers.has("idempotency-key") && takeHeadroom(rateLimitId(principal))) {
        const began = performance.now();
        admitted = inSpan("rate_limit", {}, () => enforceRateLimit(principal, headers)).finally(() =>
          timing.note("ratelimit", performance.now() - began, "overlapped"),
        );
        // Awaited by the run and by answer(); marked handled here so that a 429 nobody has awaited yet is not an unhandled rejection.
        admitted.catch(() => {});
      } else if (principal) {
        await inSpan("rate_limit", {}, () => enforceRateLimit(principal, headers));
        timing.mark("ratelimit");
      }
      if ("error" in parsed) throw parsed.error;
      const query = parsed.value;
      const fetched = pre ? await pre : { value: undefined };
      if ("error" in fetched) throw fetched.error;
      const rawBody = spec.body ? await readJsonObject(req) : {};
      const body = (spec.body ? parseInputOrThrow(spec.body, rawBody) : undefined) as Out<B>;
      if (spec.endUserRateLimit && principal) {
        const { workflowId, user } = spec.endUserRateLimit({ params, body: rawBody });
        await enforceEndUserRateLimit(principal, { workflowId, bodyUser: user }, headers);
      }
      // The handler's answer as the client gets it, errors included (what an idempotent repeat replays).
      const answer = async (f: () => Promise<unknown>) => {
        try {
          const out = await f();
          await admitted;
          timing.apply(headers);
          return out instanceof Response ? withHeaders(out, headers) : Response.json(out, { headers });
        } catch (e) {
          const err = await refusedOr(e);
          timing.apply(headers);
          return errorResponse(err, requestId, headers, spec.errors, spec.seed);
        }
      };
      const invoke = (runId?: string) =>
        answer(() =>
          handler({
            req,
            ctx: { requestId, principal, headers, timing, runId, admitted },
            params,
            query,
            body,
            rawBody,
            prefetched: fetched.value as T,
          }),
        );
      const idem = spec.idempotent;
      if (!idem || !principal?.keyId) return await invoke();
      const run = idem.run && {
        follow:
          idem.run.follow &&
          ((runId: string) => answer(() => idem.run!.follow!({ req, principal, params, query, rawBody, headers, runId }))),
        answer: (runId: string) => answer(() => idem.run!.answer({ principal, runId })),
      };
      return withHeaders(await runIdempotently({ req, apiKeyId: principal.keyId, rawBody, run, invoke }), headers);
    } catch (e) {
      const err = await refusedOr(e);
      timing.apply(headers);
      return errorResponse(err, requestId, headers, spec.errors, spec.seed);
    }
  };
  if (spec.direct) offerDirectly(spec.method, spec.path, route);
  return Object.assign(route, { spec: spec as ApiRoute["spec"] });
}

/** The pipeline's headers (request id, rate limits, CORS) on a response that did not set them itself. */
function withHeaders(res: Response, headers: Headers) {
  headers.forEach((v, k) => {
    if (!res.headers.has(k)) res.headers.set(k, v);
  });
  return res;
}

/** f's value, or what it threw: kept to be answered later. */
function attempt<V>(f: () => V): { value: V } | { error: unknown } {
  try {
    return { value: f() };
  } catch (error) {
    return { error };
  }
}

/** OPTIONS handler for CORS-enabled routes. */
export function corsPreflight() {
  return new Response(null, { status: 204, headers: CORS_HEADERS });
}
