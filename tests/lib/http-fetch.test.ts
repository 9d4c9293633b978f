// lib/llm/http-fetch.ts: the providers' fetch over Node's HTTP client (bench/README.md, round 10).
// Each behaviour a provider call relies on is checked against the global fetch too, so the two stay
// interchangeable; then through @ai-sdk/openai, which classifies what it throws.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { APICallError } from "@ai-sdk/provider";
import { createOpenAI } from "@ai-sdk/openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpFetch } from "@/lib/llm/http-fetch";
import { until } from "../support/until";
import { upstream } from "../setup";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;
let handler: Handler = (_req, res) => res.end();
let server: http.Server;
let base = "";
const closed: string[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => handler(req, res));
  server.on("connection", (s) => {
    s.on("close", () => closed.push("socket"));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((r) => server.close(() => r()));
});

const bodyOf = (req: http.IncomingMessage) =>
  new Promise<string>((resolve) => {
    let s = "";
    req.setEncoding("utf8").on("data", (c: string) => (s += c));
    req.on("end", () => resolve(s));
  });
const text = async (body: ReadableStream<Uint8Array>) => {
  const d = new TextDecoder();
  let s = "";
  for await (const c of body) s += d.decode(c, { stream: true });
  return s;
};

describe.each([
  ["httpFetch", httpFetch],
  ["global fetch", (i: string | URL, o?: RequestInit) => fetch(i, o)],
] as const)("%s", (_name, f) => {
  it("sends the method, headers and body; answers with the status, headers and body", async () => {
    let seen: { method?: string; auth?: string; type?: string; body?: string } = {};
    handler = async (req, res) => {
      seen = { method: req.method, auth: req.headers.authorization, type: req.headers["content-type"], body: await bodyOf(req) };
      res.writeHead(201, "Made", { "x-request-id": "r-1", "content-type": "text/plain" });
      res.end("héllo");
    };
    const res = await f(`${base}/v1/chat`, {
      method: "POST",
      headers: { authorization: "Bearer k", "content-type": "application/json" },
      body: JSON.stringify({ a: "é" }),
    });
    expect(seen).toEqual({ method: "POST", auth: "Bearer k", type: "application/json", body: '{"a":"é"}' });
    expect([res.status, res.statusText, res.ok]).toEqual([201, "Made", true]);
    expect(res.headers.get("x-request-id")).toBe("r-1");
    expect(await res.text()).toBe("héllo");
  });

  it("streams: each chunk is readable as soon as it is sent, before the body ends", async () => {
    let send!: (s: string) => void;
    let end!: () => void;
    handler = (_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      res.flushHeaders();
      send = (s) => res.write(s);
      end = () => res.end();
    };
    const res = await f(`${base}/s`, { method: "POST", body: "{}" });
    const reader = res.body!.getReader();
    const d = new TextDecoder();
    send("data: 1\n\n");
    expect(d.decode((await reader.read()).value)).toBe("data: 1\n\n");
    send("data: 2\n\n");
    expect(d.decode((await reader.read()).value)).toBe("data: 2\n\n");
    end();
    expect((await reader.read()).done).toBe(true);
  });

  it("an error status is an answer, with its body", async () => {
    handler = (_req, res) => res.writeHead(429, { "retry-after": "3" }).end('{"error":{"message":"slow down"}}');
    const res = await f(`${base}/x`, { method: "POST", body: "{}" });
    expect([res.status, res.headers.get("retry-after"), await res.text()]).toEqual([429, "3", '{"error":{"message":"slow down"}}']);
  });

  it("a 204 has no body", async () => {
    handler = (_req, res) => res.writeHead(204).end();
    const res = await f(`${base}/x`, { method: "DELETE" });
    expect([res.status, res.body]).toEqual([204, null]);
  });

  it("a refused connection rejects with fetch's TypeError", async () => {
    const closedServer = http.createServer();
    await new Promise<void>((r) => closedServer.listen(0, "127.0.0.1", r));
    const port = (closedServer.address() as AddressInfo).port;
    await new Promise<void>((r) => closedServer.close(() => r()));
    const e = await f(`http://127.0.0.1:${port}/x`, { method: "POST", body: "{}" }).catch((e: unknown) => e);
    expect(e).toBeInstanceOf(TypeError);
    expect((e as TypeError).message).toBe("fetch failed");
  });

  it("an abort before the answer rejects with the signal's reason", async () => {
    handler = () => {};
    const ac = new AbortController();
    const p = f(`${base}/slow`, { method: "POST", body: "{}", signal: ac.signal });
    const reason = new Error("run canceled");
    setTimeout(() => ac.abort(reason), 20);
    await expect(p).rejects.toBe(reason);
    const pre = f(`${base}/slow`, { signal: AbortSignal.abort() });
    await expect(pre).rejects.toMatchObject({ name: "AbortError" });
  });

  it("an abort mid-body errors the body, and the connection is closed", async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write("first");
    };
    const ac = new AbortController();
    const res = await f(`${base}/mid`, { method: "POST", body: "{}", signal: ac.signal });
    const reader = res.body!.getReader();
    await reader.read();
    const before = closed.length;
    ac.abort(new Error("gone"));
    await expect(reader.read()).rejects.toBeDefined();
    await until(() => closed.length > before, "the connection closed");
  });

  it("a connection dropped mid-body errors the body after what came", async () => {
    handler = (req, res) => {
      res.writeHead(200);
      res.write("part");
      setTimeout(() => req.socket.destroy(), 10);
    };
    const res = await f(`${base}/drop`, { method: "POST", body: "{}" });
    const reader = res.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("part");
    const e = await reader.read().catch((e: unknown) => e);
    expect(e).toBeInstanceOf(TypeError);
  });

  it("canceling the body closes the connection", async () => {
    handler = (_req, res) => {
      res.writeHead(200);
      res.write("a");
    };
    const res = await f(`${base}/cancel`, { method: "POST", body: "{}" });
    const before = closed.length;
    await res.body!.cancel();
    await until(() => closed.length > before, "the connection closed");
  });
});

describe("httpFetch", () => {
  it("an answer a Response cannot hold (status 600) is a failed call, not a crash", async () => {
    // (undici builds such a Response internally; the public constructor refuses it.)
    handler = (_req, res) => res.writeHead(600).end("odd");
    const e = await httpFetch(`${base}/odd`, { method: "POST", body: "{}" }).catch((e: unknown) => e);
    expect(e).toBeInstanceOf(TypeError);
    expect((e as TypeError).message).toBe("fetch failed");
  });

  it("keeps the connection alive between calls", async () => {
    handler = (_req, res) => res.end("ok");
    const ports = new Set<number>();
    server.once("request", (req: http.IncomingMessage) => ports.add(req.socket.remotePort!));
    await (await httpFetch(`${base}/a`, { method: "POST", body: "{}" })).text();
    const seen = new Promise<number>((r) => server.once("request", (req: http.IncomingMessage) => r(req.socket.remotePort!)));
    await (await httpFetch(`${base}/b`, { method: "POST", body: "{}" })).text();
    expect(ports.has(await seen)).toBe(true);
  });

  it("a stream body or a Request goes to the global fetch", async () => {
    handler = async (req, res) => res.end(`${req.method} ${await bodyOf(req)}`);
    const res = await httpFetch(new Request(`${base}/r`, { method: "PUT", body: "x" }));
    expect(await res.text()).toBe("PUT x");
    const streamed = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode("y"));
        c.close();
      },
    });
    const res2 = await httpFetch(`${base}/r`, { method: "POST", body: streamed, duplex: "half" } as RequestInit);
    expect(await text(res2.body!)).toBe("POST y");
  });

  it("through @ai-sdk/openai: the stream's deltas, and a refused connection as a retryable APICallError", async () => {
    const up = await upstream();
    up.set({ tokens: 12 });
    const model = createOpenAI({ baseURL: up.url, apiKey: "k", fetch: httpFetch }).chat("m");
    const call = { prompt: [{ role: "user" as const, content: [{ type: "text" as const, text: "hi" }] }] };
    let deltas = "";
    for await (const p of (await model.doStream(call)).stream) if (p.type === "text-delta") deltas += p.delta;
    expect(deltas).toBe(Array.from({ length: 12 }, (_, i) => `tok${i} `).join(""));
    up.reset();

    const dead = createOpenAI({ baseURL: "http://127.0.0.1:9/v1", apiKey: "k", fetch: httpFetch }).chat("m");
    const e = await Promise.resolve(dead.doStream(call)).catch((e: unknown) => e);
    expect(APICallError.isInstance(e)).toBe(true);
    expect((e as APICallError).isRetryable).toBe(true);
  });
});
