// The hot endpoints, offered to the server process's preload (scripts/direct-routes.mjs), which
// calls them for matching requests without Next's request routing. Next's router server, base
// server and route module were a third of a stream request's CPU, and as long as the peer's whole
// first-token overhead (bench/README.md, rounds 12 and 13). A route opts in with `direct: true` in
// its spec (lib/api/route.ts); it is offered when Next first loads its route file, so that request,
// and every request of a server started without the preload, go through Next as before.
// Kept on globalThis under a registry symbol, like lib/process-singleton.ts: the preload is outside
// every bundle. A leaf: no imports of ours.

/** What the preload reads: a request's method and URL path (with its query) against `pattern`. */
export type DirectRoute = {
  method: string;
  /** The path with `{name}` segments as capture groups, anchored; the query may follow. */
  pattern: RegExp;
  /** The names of the capture groups, in order. */
  params: string[];
  handler: (req: Request, context: { params: Promise<Record<string, string>> }) => Promise<Response>;
};

const REGISTRY = Symbol.for("flowgate.directRoutes");

/**
 * The matcher of an OpenAPI-style path ("/api/v1/run/{workflow_id}/stream"). A segment matches
 * only what Next would route the same way without decoding: no "%" (Next decodes it), no "\"
 * (Next redirects it); those requests go through Next.
 */
export function directPattern(path: string): { pattern: RegExp; params: string[] } {
  const params: string[] = [];
  const source = path
    .split(/\{(\w+)\}/)
    .map((part, i) => (i % 2 ? (params.push(part), "([^/\\\\%]+)") : part.replace(/[.*+?^$()|[\]\\]/g, "\\$&")))
    .join("");
  return { pattern: new RegExp(`^${source}(?=\\?|$)`), params };
}

/** Offers `handler` for `method path`; a later offer of the same operation (another bundle's copy) replaces it. */
export function offerDirectly(method: string, path: string, handler: DirectRoute["handler"]): void {
  const store = globalThis as unknown as Record<symbol, DirectRoute[] | undefined>;
  const routes = (store[REGISTRY] ??= []);
  const { pattern, params } = directPattern(path);
  const entry = { method, pattern, params, handler };
  const i = routes.findIndex((r) => r.method === method && r.pattern.source === pattern.source);
  if (i >= 0) routes[i] = entry;
  else routes.push(entry);
}
