// The app's route table for tests: the real route modules, dispatched by path like Next does.
import * as health from "@/app/api/health/route";
import * as run from "@/app/api/v1/run/[id]/route";
import * as token from "@/app/api/v1/token/route";
import * as stream from "@/app/api/v1/run/[id]/stream/route";
import * as runsList from "@/app/api/v1/runs/route";
import * as runOne from "@/app/api/v1/runs/[id]/route";
import * as runCancel from "@/app/api/v1/runs/[id]/cancel/route";
import * as usage from "@/app/api/v1/usage/route";
import * as sessions from "@/app/api/v1/sessions/[id]/route";
import * as runStream from "@/app/api/v1/runs/[id]/stream/route";
import * as workflow from "@/app/api/v1/workflows/[id]/route";
import * as playground from "@/app/api/playground/[id]/route";
import * as openapi from "@/app/api/v1/openapi.json/route";

type RouteModule = Partial<Record<"GET" | "POST" | "OPTIONS", (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response> | Response>>;

export const ROUTES: Array<{ pattern: RegExp; keys: string[]; mod: RouteModule }> = [];

/** Registers a route; later issues add theirs (the stream endpoint, runs, …). */
export function addRoute(path: string, mod: RouteModule) {
  const keys: string[] = [];
  const pattern = new RegExp(
    "^" + path.replace(/\[([^\]]+)\]/g, (_, k: string) => (keys.push(k), "([^/]+)")) + "/?$",
  );
  ROUTES.push({ pattern, keys, mod });
}

addRoute("/api/health", health as unknown as RouteModule);
addRoute("/api/v1/token", token as unknown as RouteModule);
addRoute("/api/v1/run/[id]", run as unknown as RouteModule);
addRoute("/api/v1/run/[id]/stream", stream as unknown as RouteModule);
addRoute("/api/v1/runs", runsList as unknown as RouteModule);
addRoute("/api/v1/runs/[id]", runOne as unknown as RouteModule);
addRoute("/api/v1/runs/[id]/cancel", runCancel as unknown as RouteModule);
addRoute("/api/v1/usage", usage as unknown as RouteModule);
addRoute("/api/v1/sessions/[id]", sessions as unknown as RouteModule);
addRoute("/api/v1/runs/[id]/stream", runStream as unknown as RouteModule);
addRoute("/api/v1/workflows/[id]", workflow as unknown as RouteModule);
addRoute("/api/playground/[id]", playground as unknown as RouteModule);
addRoute("/api/v1/openapi.json", openapi as unknown as RouteModule);

/** Calls the matching handler directly, with no server: the route-level unit of test. */
export async function dispatch(req: Request): Promise<Response> {
  const { pathname } = new URL(req.url);
  for (const r of ROUTES) {
    const m = r.pattern.exec(pathname);
    if (!m) continue;
    const handler = r.mod[req.method as "GET" | "POST" | "OPTIONS"];
    if (!handler) return new Response(null, { status: 405 });
    const params = Object.fromEntries(r.keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)]));
    return handler(req, { params: Promise.resolve(params) });
  }
  return new Response("not found", { status: 404 });
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
