import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import net from "node:net";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { directPattern } from "@/lib/api/direct-routes";

// scripts/direct-routes.mjs in a real process with `npm start`'s preload (scripts/trusted-proxy.mjs),
// in front of a plain server that plays Next (tests/support/direct-routes-app.ts). The real
// endpoint behind it is checked by every e2e suite that streams (tests/e2e, tests/browser): once
// Next has loaded the stream route, those requests take this path.

const ROOT = path.resolve(import.meta.dirname, "../..");
const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill()));

function start(env: Record<string, string> = {}): Promise<number> {
  const child = spawn(
    process.execPath,
    // react-server: the app's server modules (the stream bodies' lib/env) import "server-only", as in Next's server.
    [
      "--conditions=react-server",
      "--expose-gc",
      "--import",
      "tsx",
      "--import",
      "./scripts/trusted-proxy.mjs",
      "tests/support/direct-routes-app.ts",
    ],
    { cwd: ROOT, env: { ...process.env, TRUSTED_PROXY_HOPS: "0", ...env } },
  );
  children.push(child);
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  return new Promise((resolve, reject) => {
    child.stdout!.once("data", (d) => resolve(Number(String(d).trim())));
    child.once("exit", (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
}

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: string };
function request(port: number, method: string, p: string, opts: { headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<Answer>((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path: p, headers: opts.headers, localAddress: "127.0.0.7" }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end(opts.body);
  });
}
const seen = async (port: number) =>
  JSON.parse((await request(port, "GET", "/seen")).body) as { seen: Record<string, unknown>[]; pulled: number };
// What the first read of a raw socket sees.
const firstRead = (port: number, p: string) =>
  new Promise<string>((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () =>
      socket.write(`POST ${p} HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}`),
    );
    socket.once("data", (d) => {
      resolve(String(d));
      socket.destroy();
    });
    socket.once("error", reject);
  });
const until = async (check: () => Promise<boolean>) => {
  for (let i = 0; i < 100 && !(await check()); i++) await new Promise((r) => setTimeout(r, 50));
};

describe("direct routes (scripts/direct-routes.mjs)", () => {
  it("a matching request reaches the handler as Next would pass it: params, the server's origin, the settled client address, the body", async () => {
    const port = await start();
    const res = await request(port, "POST", "/api/v1/run/wf_123/stream?protocol=sse", {
      headers: { host: "evil.example", "x-forwarded-for": "203.0.113.9", "content-type": "application/json" },
      body: '{"story":"a dog"}',
    });
    expect(res.status).toBe(201);
    expect(JSON.parse(res.body)).toEqual({
      url: `http://localhost:${port}/api/v1/run/wf_123/stream?protocol=sse`,
      params: { workflow_id: "wf_123" },
      // TRUSTED_PROXY_HOPS=0: the socket's address, not the one the client sent.
      xff: "127.0.0.7",
      body: '{"story":"a dog"}',
    });
    expect(res.headers["x-run-id"]).toBe("run_1");
    expect(res.headers["set-cookie"]).toEqual(["a=1", "b=2"]);
    // next.config.ts's header for /api/**.
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("anything else goes on to Next: another method or path, an encoded or odd segment, an absolute URL", async () => {
    const port = await start();
    for (const [method, p] of [
      ["GET", "/api/v1/run/wf_1/stream"],
      ["POST", "/api/v1/run/wf_1"],
      ["POST", "/api/v1/run/wf_1/stream/"],
      ["POST", "/api/v1/run/wf_1/streams"],
      ["POST", "/api/v1/run/wf%5F1/stream"],
      ["POST", "/api/v1/run/a\\b/stream"],
      ["POST", "/api/v1/run//stream"],
      ["POST", "http://other/api/v1/run/wf_1/stream"],
    ]) {
      const res = await request(port, method!, p!, method === "POST" ? { body: "{}" } : {}).catch((e: Error) => {
        throw new Error(`${method} ${p}: ${e.message}`);
      });
      expect(JSON.parse(res.body), `${method} ${p}`).toMatchObject({ via: "next" });
    }
  });

  it("FLOWGATE_DIRECT_ROUTES=0 sends every request through Next; a value other than 0 or 1 stops the start", async () => {
    const port = await start({ FLOWGATE_DIRECT_ROUTES: "0" });
    expect(JSON.parse((await request(port, "POST", "/api/v1/run/wf_1/stream", { body: "{}" })).body)).toMatchObject({ via: "next" });
    await expect(start({ FLOWGATE_DIRECT_ROUTES: "yes" })).rejects.toThrow(/FLOWGATE_DIRECT_ROUTES must be 0 or 1/);
  });

  it("a client that goes away aborts the request's signal and cancels the response body", async () => {
    const port = await start();
    await new Promise<void>((resolve, reject) => {
      const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/api/v1/run/wf_1/stream?mode=slow" }, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", () => {});
      req.once("error", reject);
      req.end("{}");
    });
    await until(async () => Boolean((await seen(port)).seen[0]?.cancelled));
    expect((await seen(port)).seen[0]).toMatchObject({ aborted: true, cancelled: true });
  });

  it("the body is pulled only as fast as the client reads it", async () => {
    const port = await start();
    let received = 0;
    const res = await new Promise<http.IncomingMessage>((resolve) =>
      http.request({ host: "127.0.0.1", port, method: "POST", path: "/api/v1/run/wf_1/stream?mode=big" }, resolve).end("{}"),
    );
    res.on("data", (d: Buffer) => (received += d.length));
    await until(async () => received > 1_000_000);
    res.pause();
    await new Promise((r) => setTimeout(r, 500));
    // 100 MB offered; a paused reader holds the server to socket and stream buffers' worth.
    const { pulled } = await seen(port);
    expect(pulled * 65_536).toBeLessThan(received + 24 * 1024 * 1024);
    res.resume();
    await new Promise((r) => res.once("end", r));
    expect(received).toBe(1600 * 65_536);
  });

  it("the head waits for no body, and goes out with the first chunk when that is already there", async () => {
    const port = await start();
    // A chunk every 20 ms: the status and headers come at once, before any of them.
    const slow = await firstRead(port, "/api/v1/run/wf_1/stream?mode=slow");
    expect(slow).toMatch(/^HTTP\/1\.1 200 /);
    expect(slow).not.toContain("tok");
    // A body that is there already: head and body in one write.
    const ready = await firstRead(port, "/api/v1/run/wf_1/stream");
    expect(ready).toMatch(/^HTTP\/1\.1 201 [^]*\r\n\r\n[^]*"params":\{"workflow_id":"wf_1"\}/);
  });

  it("a stream endpoint's body is written as it is made, never read back: the head with its first bytes, each write, the end", async () => {
    const port = await start();
    expect(await firstRead(port, "/api/v1/run/wf_1/stream?mode=push")).toMatch(/^HTTP\/1\.1 200 [^]*\r\n\r\n[^]*first /);
    const answer = await request(port, "POST", "/api/v1/run/wf_1/stream?mode=push", { body: "{}" });
    expect(answer).toMatchObject({ status: 200, body: "first tok tok " });
    expect(answer.headers).toMatchObject({ "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" });
    // Pushed: neither body ever had a reader.
    expect((await seen(port)).seen.map((e) => e.read)).toEqual([false, false]);
  });

  it("a body written to before the handler returns it (SSE's start event) is still pushed, what it held going out with the head", async () => {
    const port = await start();
    expect(await firstRead(port, "/api/v1/run/wf_1/stream?mode=push-started")).toMatch(/^HTTP\/1\.1 200 [^]*\r\n\r\n[^]*start first /);
    const answer = await request(port, "POST", "/api/v1/run/wf_1/stream?mode=push-started", { body: "{}" });
    expect(answer).toMatchObject({ status: 200, body: "start first tok tok " });
    expect((await seen(port)).seen.map((e) => e.read)).toEqual([false, false]);
  });

  it("a client that goes away cancels a pushed body, as a reader's cancel does", async () => {
    const port = await start();
    await new Promise<void>((resolve) => {
      const req = http.request({ host: "127.0.0.1", port, method: "POST", path: "/api/v1/run/wf_1/stream?mode=push-slow" }, (res) => {
        res.once("data", () => {
          req.destroy();
          resolve();
        });
      });
      req.on("error", () => {});
      req.end("{}");
    });
    await until(async () => Boolean((await seen(port)).seen[0]?.cancelled));
    expect((await seen(port)).seen[0]).toMatchObject({ aborted: true, cancelled: "no reason", read: false });
  });

  it("a pushed body that fails cuts the connection: the client gets what was written and no clean end", async () => {
    const port = await start();
    const outcome = await new Promise<{ body: string; ended: boolean; error?: string }>((resolve) => {
      http
        .request({ host: "127.0.0.1", port, method: "POST", path: "/api/v1/run/wf_1/stream?mode=push-fail" }, (res) => {
          let body = "";
          res.on("data", (d) => (body += d));
          res.on("end", () => resolve({ body, ended: true }));
          res.on("error", (e) => resolve({ body, ended: false, error: e.message }));
        })
        .end("{}");
    });
    expect(outcome).toMatchObject({ body: "first tok tok ", ended: false, error: "aborted" });
  });

  it("a handler that throws gets Next's answer, a bare 500, and the server goes on", async () => {
    const port = await start();
    expect((await request(port, "POST", "/api/v1/run/wf_1/stream?mode=throw", { body: "{}" })).status).toBe(500);
    expect((await request(port, "POST", "/api/v1/run/wf_2/stream", { body: "{}" })).status).toBe(201);
  });

  it("a response Node cannot send ends that connection, not the process", async () => {
    const port = await start();
    await expect(request(port, "POST", "/api/v1/run/wf_1/stream?mode=unsendable", { body: "{}" })).rejects.toThrow(/socket hang up/);
    expect((await request(port, "POST", "/api/v1/run/wf_2/stream", { body: "{}" })).status).toBe(201);
  });
});

describe("directPattern", () => {
  it("captures each {name} segment and lets a query follow", () => {
    const { pattern, params } = directPattern("/api/v1/run/{workflow_id}/stream");
    expect(params).toEqual(["workflow_id"]);
    expect(pattern.exec("/api/v1/run/wf_9/stream?token=x")?.[1]).toBe("wf_9");
    expect(pattern.test("/api/v1/run/wf_9/stream")).toBe(true);
    expect(pattern.test("/api/v1/run/wf_9/stream2")).toBe(false);
    expect(pattern.test("/api/v1/runX/wf_9/stream")).toBe(false);
  });
});
