import http from "node:http";
import { Readable } from "node:stream";
import { dispatch } from "./routes";

/**
 * The route handlers behind a real HTTP socket, adapted the way Next adapts them: a web Request
 * whose signal aborts when the client goes away, and a streamed web Response. Lets tests use curl,
 * fetch and SSE clients without a production build.
 */
export async function serveRoutes(): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    const ctrl = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) ctrl.abort(new DOMException("client disconnected", "AbortError"));
    });
    try {
      const url = `http://${req.headers.host}${req.url}`;
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const request = new Request(url, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: hasBody ? (Readable.toWeb(req) as ReadableStream) : undefined,
        duplex: "half",
        signal: ctrl.signal,
      } as RequestInit);
      const response = await dispatch(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.flushHeaders();
      if (!response.body) return void res.end();
      const reader = response.body.getReader();
      ctrl.signal.addEventListener("abort", () => reader.cancel().catch(() => {}), { once: true });
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        res.write(value);
      }
      res.end();
    } catch (e) {
      // A stream that errors after its first byte: drop the connection so it cannot look complete.
      if (res.headersSent) res.destroy(e as Error);
      else {
        res.writeHead(500);
        res.end();
      }
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
