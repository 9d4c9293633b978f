/// <reference types="vite/client" />
// The app's routes for tests: every app/api/**/route.ts module, dispatched by its path the way
// Next does (a `[name]` folder is a path parameter), with no hand-kept list to fall out of step.
import type { ApiRoute } from "@/lib/api/route";

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response> | Response;
export type RouteModule = Partial<Record<"GET" | "POST" | "PATCH" | "DELETE" | "OPTIONS", Handler>>;

const MODULES = import.meta.glob<RouteModule>("/app/api/**/route.ts");

/** URL path of a route file: "/app/api/v1/run/[workflow_id]/route.ts" → "/api/v1/run/[workflow_id]". */
export const urlPathOf = (file: string) => file.replace(/^\/app/, "").replace(/\/route\.ts$/, "");

export const ROUTES = Object.entries(MODULES).map(([file, load]) => {
  const keys: string[] = [];
  const pattern = new RegExp(
    "^" +
      urlPathOf(file).replace(
        /\[(\.\.\.)?([^\]]+)\]/g,
        (_, rest: string | undefined, k: string) => (keys.push(k), rest ? "(.+)" : "([^/]+)"),
      ) +
      "/?$",
  );
  return { file, pattern, keys, load };
});

/** Calls the matching handler directly, with no server: the route-level unit of test. */
export async function dispatch(req: Request): Promise<Response> {
  const { pathname } = new URL(req.url);
  for (const r of ROUTES) {
    const m = r.pattern.exec(pathname);
    if (!m) continue;
    const handler = (await r.load())[req.method as "GET" | "POST" | "PATCH" | "DELETE" | "OPTIONS"];
    if (!handler) return new Response(null, { status: 405 });
    const params = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)]));
    const res = await handler(req, { params: Promise.resolve(params) });
    await checkResponse(handler as Partial<ApiRoute>, res);
    return res;
  }
  return new Response("not found", { status: 404 });
}

/**
 * Every JSON 200 a route answers in any test must parse with the response schema it declares
 * (langfuse's factory checks responses too): the document cannot promise what the code does not do.
 */
async function checkResponse(handler: Partial<ApiRoute>, res: Response) {
  const schema = handler.spec?.response as { safeParse?: (v: unknown) => { success: boolean; error?: unknown } } | undefined;
  if (!schema?.safeParse || res.status !== 200 || !(res.headers.get("content-type") ?? "").includes("application/json")) return;
  const parsed = schema.safeParse(await res.clone().json());
  if (!parsed.success)
    throw new Error(`${handler.spec!.method} ${handler.spec!.path} answered outside its response schema: ${String(parsed.error)}`);
}

export const BASE = "http://flowgate.test";

export function apiRequest(path: string, init: RequestInit & { json?: unknown; key?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.key) headers.set("authorization", `Bearer ${init.key}`);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(init.json);
  }
  return dispatch(new Request(BASE + path, { ...init, headers, body, method: init.method ?? (body ? "POST" : "GET") }));
}
