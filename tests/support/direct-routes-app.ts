// A stand-in for `next start` in tests/lib/direct-routes.test.ts: a plain HTTP server whose own
// listener plays Next (it answers {"via":"next"}), started with `npm start`'s preload, and one
// direct route offered the way lib/api/route.ts offers it. What its handler saw is kept for GET /seen.
import http from "node:http";
import { offerDirectly } from "../../lib/api/direct-routes";
import { controlledByteStream } from "../../lib/transports/protocols/types";

const seen: Record<string, unknown>[] = [];
let pulled = 0;

offerDirectly("POST", "/api/v1/run/{workflow_id}/stream", async (req, ctx) => {
  const url = new URL(req.url);
  const mode = url.searchParams.get("mode");
  const entry: Record<string, unknown> = { url: req.url, params: await ctx.params, xff: req.headers.get("x-forwarded-for") };
  seen.push(entry);
  req.signal.addEventListener("abort", () => (entry.aborted = true));
  if (mode === "throw") throw new Error("escaped the route layer");
  // Status 0: Node refuses to write it.
  if (mode === "unsendable") return Response.error();
  if (mode === "slow") {
    // A chunk every 20 ms until cancelled: a run whose client goes away.
    let timer: NodeJS.Timeout;
    return new Response(
      new ReadableStream({
        start(c) {
          timer = setInterval(() => c.enqueue(new TextEncoder().encode("tok ")), 20);
        },
        cancel() {
          clearInterval(timer);
          entry.cancelled = true;
        },
      }),
      { headers: { "content-type": "text/plain" } },
    );
  }
  if (mode?.startsWith("push")) {
    // The stream endpoints' body (controlledByteStream), which a direct route writes without reading it.
    const body = controlledByteStream((reason) => {
      clearInterval(timer);
      entry.cancelled = reason === undefined ? "no reason" : String(reason);
    });
    entry.read = () => body.stream.locked;
    // SSE's start event: written before the first token, the body returned only at that token.
    if (mode === "push-started") {
      body.write("start ");
      await new Promise((r) => setTimeout(r, 30));
    }
    body.write("first ");
    let n = 0;
    const timer = setInterval(() => {
      if (mode === "push-slow" || ++n < 3) return body.write("tok ");
      clearInterval(timer);
      if (mode === "push-fail") body.fail(new Error("the run failed"));
      else body.close();
    }, 20);
    // A full collection once the handler has returned and before its client goes away: what
    // outlives the handler must keep the request's signal working (scripts/direct-routes.mjs).
    setImmediate(() => globalThis.gc?.());
    return new Response(body.stream, { headers: { "content-type": "text/plain; charset=utf-8" } });
  }
  if (mode === "big") {
    // 64 KB per pull, 100 MB in all: produced only as fast as the client reads.
    const chunk = new Uint8Array(65_536);
    return new Response(
      new ReadableStream({
        pull(c) {
          if (++pulled > 1600) c.close();
          else c.enqueue(chunk);
        },
      }),
    );
  }
  entry.body = await req.text();
  const headers = new Headers({ "content-type": "application/json", "x-run-id": "run_1" });
  headers.append("set-cookie", "a=1");
  headers.append("set-cookie", "b=2");
  return new Response(JSON.stringify(entry), { status: 201, headers });
});

http
  .createServer((req, res) => {
    if (req.url === "/seen")
      return res.end(JSON.stringify({ seen: seen.map((e) => (typeof e.read === "function" ? { ...e, read: e.read() } : e)), pulled }));
    req.resume();
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ via: "next", method: req.method, url: req.url }));
  })
  .listen(0, "127.0.0.1", function (this: http.Server) {
    console.log((this.address() as { port: number }).port);
  });
