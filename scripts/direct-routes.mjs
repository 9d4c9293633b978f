// Called by the server process's preload (scripts/trusted-proxy.mjs, after it has settled the
// client address) for every request: one the app has offered a direct route for
// (lib/api/direct-routes.ts: the hot endpoints) is handed to that route handler here, without
// Next's request routing, which was a third of a stream request's CPU (bench/README.md, round 13).
// Everything else, and everything while FLOWGATE_DIRECT_ROUTES=0, goes on to Next.
//
// What Next does around a route handler, done here the same way (next/dist/server:
// NextRequestAdapter, pipeToNodeResponse): the Request's URL is the server's own origin, not the
// client's Host; its body is the request stream; its signal aborts when the response closes before
// it has finished (the client went away); the Response's body goes out with backpressure, and a
// client that goes away cancels it. The one header next.config.ts adds to /api/** is added here too.
// Done differently: no compression (a stream's chunks are a token each, a compressed stream costs a
// flush per chunk, and proxies buffer compressed event streams); and the head leaves with the
// chunks the body already holds rather than on its own (respond, below).
//
// Plain JavaScript with no imports of ours: it runs outside Next's bundling (like trusted-proxy.mjs).
const REGISTRY = Symbol.for("flowgate.directRoutes");
const raw = process.env.FLOWGATE_DIRECT_ROUTES ?? "1";
if (raw !== "0" && raw !== "1") throw new Error(`FLOWGATE_DIRECT_ROUTES must be 0 or 1, got ${JSON.stringify(raw)}`);
const enabled = raw === "1";
const PENDING = Symbol("pending");
const PUSH_BODY = Symbol.for("flowgate.pushBody");
const REQUEST = Symbol("request");

/**
 * Serves `req` through its direct route when there is one; false leaves it to Next.
 * @param {import("node:http").IncomingMessage} req @param {import("node:http").ServerResponse} res
 */
export function serveDirectly(req, res) {
  const routes = enabled ? globalThis[REGISTRY] : undefined;
  if (!routes) return false;
  const url = req.url ?? "";
  for (const route of routes) {
    if (route.method !== req.method) continue;
    const m = route.pattern.exec(url);
    if (!m) continue;
    let request;
    try {
      request = toRequest(req, res, url);
    } catch {
      return false; // a header the fetch API refuses: Next answers it as it always has
    }
    const params = Object.fromEntries(route.params.map((name, i) => [name, m[i + 1]]));
    // Whatever escapes (a header value Node refuses) ends this response, never the process.
    respond(route.handler, request, params, res).catch((e) => {
      console.error(e);
      res.destroy();
    });
    return true;
  }
  return false;
}

/** @param {import("node:http").IncomingMessage} req @param {import("node:http").ServerResponse} res @param {string} url */
function toRequest(req, res, url) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else if (value !== undefined) headers.set(name, value);
  }
  const abort = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) abort.abort();
  });
  const https = req.socket.encrypted || String(req.headers["x-forwarded-proto"] ?? "").includes("https");
  const origin = `${https ? "https" : "http"}://localhost:${req.socket.localPort}`;
  const hasBody = req.method !== "GET" && req.method !== "HEAD";
  const request = new Request(origin + url, {
    method: req.method,
    headers,
    signal: abort.signal,
    ...(hasBody ? { body: req, duplex: "half" } : {}),
  });
  // The Request's signal follows `abort` only while the Request lives (undici links them through a
  // WeakRef), and a handler may return, or drop it, long before its client goes away: the response
  // keeps it until it closes.
  res[REQUEST] = request;
  return request;
}

/** @param {(r: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response>} handler @param {Request} request @param {Record<string, string>} params @param {import("node:http").ServerResponse} res */
async function respond(handler, request, params, res) {
  let response;
  try {
    response = await handler(request, { params: Promise.resolve(params) });
  } catch (e) {
    // The route layer answers every error itself (lib/api/route.ts); this is Next's answer to one that escaped it.
    console.error(e);
    if (!res.headersSent) res.statusCode = 500;
    res.end();
    return;
  }
  if (res.destroyed) {
    await response.body?.cancel().catch(() => {});
    return;
  }
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) if (name !== "set-cookie") res.setHeader(name, value);
  const cookies = response.headers.getSetCookie();
  if (cookies.length) res.setHeader("set-cookie", cookies);
  if (!res.hasHeader("x-content-type-options")) res.setHeader("x-content-type-options", "nosniff");
  if (!response.body) {
    res.end();
    return;
  }
  if (push(response.body, res)) return;
  const reader = response.body.getReader();
  const gone = new Promise((resolve) => res.once("close", resolve));
  void gone.then(() => reader.cancel().catch(() => {}));
  try {
    // The head goes out with the chunks the body already holds (a stream is returned at its first
    // token, lib/transports/respond-stream.ts): one write and one packet for the head, SSE's start
    // event and the first token, instead of three. A body with nothing yet gets the head at once,
    // as Next sends it, so that the client has the status and headers while it waits.
    // (At most 64 KB of them: a body that is always ready is written with backpressure below.)
    let next = reader.read();
    const ready = [];
    let size = 0;
    for (let r; size < 65_536 && (r = await Promise.race([next, PENDING])) !== PENDING && !r.done; next = reader.read()) {
      ready.push(r.value);
      size += r.value.byteLength;
    }
    if (ready.length) res.write(ready.length === 1 ? ready[0] : Buffer.concat(ready));
    else res.flushHeaders();
    for (;;) {
      const { done, value } = await next;
      if (done) break;
      if (res.destroyed) return;
      if (!res.write(value)) await Promise.race([new Promise((resolve) => res.once("drain", resolve)), gone]);
      next = reader.read();
    }
    res.end();
  } catch {
    // The handler's stream failed midway: the client sees the response cut, as Next cuts it.
    res.destroy();
  }
}

/**
 * A body that offers to be written straight to the response (lib/transports/protocols/types.ts,
 * PUSH_BODY: the stream endpoints' bodies) gets its writes here as they are made, instead of being
 * read back through a reader one promise per chunk. The head goes out with the bytes the body already
 * holds, written as it is taken, and at once when it holds none (as above); a client that goes away cancels the body
 * (as a reader's cancel does); a body that fails cuts the connection.
 * @param {ReadableStream} body @param {import("node:http").ServerResponse} res @returns {boolean} whether it was pushed
 */
function push(body, res) {
  const offer = body[PUSH_BODY];
  if (typeof offer !== "function") return false;
  const handle = offer({
    write: (text) => {
      if (!res.destroyed) res.write(text);
    },
    end: () => res.end(),
    fail: () => res.destroy(),
  });
  if (!handle) return false;
  res.once("close", () => {
    if (!res.writableFinished) handle.cancel();
  });
  if (!handle.wrote) res.flushHeaders();
  return true;
}
