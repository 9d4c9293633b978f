import http from "node:http";
import https from "node:https";

/**
 * The model providers' `fetch` (lib/llm/registry.ts): the WHATWG fetch surface the AI SDK's providers
 * call — a POST with a JSON body, answered with a status, headers and a streamed body — over Node's
 * own HTTP client and a keep-alive agent, instead of the global fetch (undici's, wrapped by Next's
 * caching and tracing patch). Every token of every run crosses this body: undici parses HTTP in
 * WebAssembly and hands each network chunk through its fetch controller and a byte stream, where
 * Node's parser is native and its body one readable; bench/README.md (round 10) measures the two.
 *
 * What a provider call needs, and nothing else: a string or byte body, `signal`, redirects not
 * followed (a provider's API answers, it does not redirect), no content decoding (no
 * `accept-encoding` is sent, so none comes back). Anything else — a `Request` object, a stream or
 * form body — goes to the global fetch. Errors are fetch's: a network failure rejects with
 * `TypeError("fetch failed", { cause })` (what the providers' `handleFetchError` retries), an abort
 * with the signal's reason, and a connection lost mid-body errors the body with
 * `TypeError("terminated")`, as undici does; a connection silent for 300 s is dropped, as undici's
 * headers and body timeouts do.
 */
const clients = {
  "http:": { request: http.request, agent: new http.Agent({ keepAlive: true, scheduling: "lifo" }) },
  "https:": { request: https.request, agent: new https.Agent({ keepAlive: true, scheduling: "lifo" }) },
};

const IDLE_TIMEOUT_MS = 300_000;

export const httpFetch: typeof fetch = (input, init) => {
  const body = init?.body;
  if (input instanceof Request || !(body == null || typeof body === "string" || body instanceof Uint8Array)) return fetch(input, init);
  const url = input instanceof URL ? input : new URL(input);
  const client = clients[url.protocol as keyof typeof clients];
  if (!client) return fetch(input, init);
  const signal = init?.signal ?? undefined;
  return new Promise<Response>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const headers: Record<string, string> = {};
    new Headers(init?.headers).forEach((v, k) => (headers[k] = v));
    if (body != null) headers["content-length"] = String(typeof body === "string" ? Buffer.byteLength(body) : body.byteLength);
    let fail = (e: unknown) => reject(e);
    const onAbort = () => {
      fail(signal!.reason);
      req.destroy();
    };
    const req = client.request(url, { method: init?.method ?? "GET", headers, agent: client.agent }, (res) => {
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      const status = res.statusCode ?? 502;
      const stream =
        status === 204 || status === 304 || init?.method === "HEAD"
          ? null
          : new ReadableStream<Uint8Array>({
              start(c) {
                controller = c;
              },
              pull() {
                res.resume();
              },
              cancel() {
                open = false;
                res.destroy();
              },
            });
      let open = stream !== null;
      fail = (e) => {
        if (!open) return;
        open = false;
        controller.error(e);
      };
      res.on("data", (chunk: Buffer) => {
        if (!open) return;
        controller.enqueue(chunk);
        if (controller.desiredSize! <= 0) res.pause();
      });
      res.on("end", () => {
        if (!open) return;
        open = false;
        controller.close();
      });
      res.on("error", (e) => fail(new TypeError("terminated", { cause: e })));
      res.on("close", () => {
        signal?.removeEventListener("abort", onAbort);
        if (!res.complete) fail(new TypeError("terminated"));
      });
      try {
        const responseHeaders = new Headers();
        const raw = res.rawHeaders;
        for (let i = 0; i < raw.length; i += 2) responseHeaders.append(raw[i]!, raw[i + 1]!);
        resolve(new Response(stream, { status, statusText: res.statusMessage, headers: responseHeaders }));
      } catch (e) {
        // An answer a Response cannot hold (a status past 599, a header fetch refuses): as fetch, a failed call.
        reject(new TypeError("fetch failed", { cause: e }));
        open = false;
        res.destroy();
        return;
      }
      if (!stream) res.resume();
    });
    req.on("error", (e) => fail(signal?.aborted ? signal.reason : new TypeError("fetch failed", { cause: e })));
    // undici's headers and body timeouts: a connection silent this long is dropped (a run's own limits are shorter).
    req.setTimeout(IDLE_TIMEOUT_MS, () => req.destroy(new Error(`no data for ${IDLE_TIMEOUT_MS / 1000} s`)));
    signal?.addEventListener("abort", onAbort, { once: true });
    req.end(body ?? undefined);
  });
};
