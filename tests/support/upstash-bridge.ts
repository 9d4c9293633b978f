// A minimal Upstash-REST-compatible HTTP bridge in front of a real redis-server, for tests only.
// There is no Upstash server here: @upstash/redis and @upstash/ratelimit (the algorithm) and Redis
// (the scripts, the counting) are the real ones — only this HTTP hop is ours. It speaks the subset
// of Upstash's REST API that @upstash/redis uses for rate limiting:
//   POST /           a command as a JSON array, e.g. ["evalsha", sha, 2, k1, k2, 10, …] → {result} | {error}
//   POST /pipeline   an array of commands → [{result} | {error}, …]
// with `Authorization: Bearer <token>` and `Upstash-Encoding: base64` (strings in the result are
// base64, as Upstash sends them when asked). MULTI/EXEC (/multi-exec) is not bridged: the
// single-region sliding window never uses it. Like Upstash, it accepts the Upstash-only script flag
// `allow-key-locking` (by dropping it before Redis sees it, the way lib/ratelimit/redis-adapter.ts
// does; Upstash itself honours it).
import http from "node:http";
import { createClient } from "redis";
import { createScriptCompat } from "@/lib/ratelimit/redis-adapter";

export type UpstashBridge = { url: string; token: string; requests: number; close: () => Promise<void> };

export async function startUpstashBridge(redisUrl: string): Promise<UpstashBridge> {
  const token = "test-upstash-token-not-secret";
  const redis = createClient({ url: redisUrl, disableOfflineQueue: true, socket: { reconnectStrategy: 50 } });
  redis.on("error", () => {});
  await redis.connect();

  const scripts = createScriptCompat();
  const run = async (cmd: unknown): Promise<{ result?: unknown; error?: string }> => {
    if (!Array.isArray(cmd) || cmd.length === 0) return { error: "ERR command must be a non-empty array" };
    const args = cmd.map((c) => (typeof c === "string" ? c : JSON.stringify(c)));
    const name = args[0]!.toLowerCase();
    if (name === "eval" && args[1]) args[1] = scripts.script(args[1]);
    if (name === "evalsha" && args[1]) args[1] = scripts.sha(args[1]);
    try {
      return { result: await redis.sendCommand(args) };
    } catch (e) {
      return { error: (e as Error).message };
    }
  };

  const bridge: UpstashBridge = { url: "", token, requests: 0, close: async () => {} };
  const server = http.createServer(async (req, res) => {
    bridge.requests++;
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST") return send(405, { error: "ERR only POST is bridged" });
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, { error: "Unauthorized" });
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return send(400, { error: "ERR failed to parse command" });
    }
    const b64 = String(req.headers["upstash-encoding"] ?? "").toLowerCase() === "base64";
    const encode = (r: { result?: unknown; error?: string }) => ("error" in r ? r : { result: b64 ? toBase64(r.result) : r.result });
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/") {
      const r = await run(body);
      // Upstash answers a failed single command with 400 and {error}; @upstash/redis throws it.
      return send(r.error ? 400 : 200, encode(r));
    }
    if (path === "/pipeline") {
      if (!Array.isArray(body)) return send(400, { error: "ERR pipeline body must be an array of commands" });
      const out = [];
      for (const cmd of body) out.push(encode(await run(cmd)));
      return send(200, out);
    }
    return send(404, { error: `ERR ${path} is not bridged` });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  bridge.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  bridge.close = async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    redis.destroy();
  };
  return bridge;
}

function toBase64(v: unknown): unknown {
  if (typeof v === "string") return Buffer.from(v, "utf8").toString("base64");
  if (Array.isArray(v)) return v.map(toBase64);
  return v;
}
