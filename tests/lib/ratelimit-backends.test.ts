import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { resetEnvForTests } from "@/lib/env";
import { logSink } from "@/lib/logger";
import { getLimiter, type Limiter, setLimiter } from "@/lib/ratelimit/limiter";
import type { RateLimitPolicy } from "@/lib/ratelimit/policies";
import { createRatelimitLimiter } from "@/lib/ratelimit/ratelimit-limiter";
import { createRedisAdapter } from "@/lib/ratelimit/redis-adapter";
import { createRedisLimiter } from "@/lib/ratelimit/redis-limiter";
import { createClient } from "redis";
import { createUpstashLimiter } from "@/lib/ratelimit/upstash-limiter";
import { createFixture } from "../support/fixtures";
import { startRedisServer, type PrivateRedis } from "../support/redis-server";
import { apiRequest } from "../support/routes";
import { startUpstashBridge, type UpstashBridge } from "../support/upstash-bridge";

// The real @upstash/ratelimit sliding window on real Redis: the shared one when REDIS_URL is set
// (CI's second pass), else a private redis-server started here, so these run in both passes.
// Keys get a unique prefix per run: the shared Redis may hold other runs' keys.
const prefix = () => `test:${randomBytes(6).toString("hex")}:`;
const policy = (limit: number): RateLimitPolicy => ({ name: "api", limit, windowMs: 60_000, prefix: "rl:api" });

let own: PrivateRedis | undefined;
let sharedUrl: string;
const opened: Limiter[] = [];
const open = <L extends Limiter>(l: L) => (opened.push(l), l);

beforeAll(async () => {
  if (process.env.REDIS_URL) sharedUrl = process.env.REDIS_URL;
  else {
    own = await startRedisServer();
    sharedUrl = own.url;
  }
});

afterAll(async () => {
  for (const l of opened) await l.close?.();
  await own?.kill();
});

describe("one limit, many limiter instances (separate clients, one Redis)", () => {
  it("two node-redis limiters enforce a single budget per key", async () => {
    const keyPrefix = prefix();
    const a = open(createRedisLimiter(sharedUrl, { keyPrefix }));
    const b = open(createRedisLimiter(sharedUrl, { keyPrefix }));
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await (i % 2 ? b : a).limit("key_shared", policy(5)));
    expect(results.map((r) => r.success)).toEqual([true, true, true, true, true, false, false, false]);
    expect(results.map((r) => r.remaining)).toEqual([4, 3, 2, 1, 0, 0, 0, 0]);
    expect(results.every((r) => r.limit === 5)).toBe(true);
    // Another key has its own budget; so does the same key under a different per-key override.
    expect((await b.limit("key_other", policy(5))).remaining).toBe(4);
  });

  it("concurrent requests through both instances never exceed the limit", async () => {
    const keyPrefix = prefix();
    const a = open(createRedisLimiter(sharedUrl, { keyPrefix }));
    const b = open(createRedisLimiter(sharedUrl, { keyPrefix }));
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 ? b : a).limit("key_burst", policy(25))));
    expect(results.filter((r) => r.success)).toHaveLength(25);
  });

  it("the Upstash REST backend and the node-redis backend run the same algorithm on the same keys", async () => {
    const bridge = await startUpstashBridge(sharedUrl);
    try {
      const keyPrefix = prefix();
      const up = open(createUpstashLimiter(bridge.url, bridge.token, { keyPrefix }));
      const rd = open(createRedisLimiter(sharedUrl, { keyPrefix }));
      const results = [];
      for (let i = 0; i < 6; i++) results.push(await (i % 2 ? rd : up).limit("key_mixed", policy(4)));
      expect(results.map((r) => r.success)).toEqual([true, true, true, true, false, false]);
      expect(results.map((r) => r.remaining)).toEqual([3, 2, 1, 0, 0, 0]);
      expect(bridge.requests).toBeGreaterThan(0);
      expect(await up.ping!()).toBe("PONG");
    } finally {
      await bridge.close();
    }
  });
});

describe("a key over its limit costs no Redis round trip", () => {
  it("once refused, the key is refused from the instance's memory until its window resets (a flood over the limit stays local)", async () => {
    const keyPrefix = prefix();
    const l = open(createRedisLimiter(sharedUrl, { keyPrefix }));
    const first = [];
    for (let i = 0; i < 4; i++) first.push((await l.limit("key_flood", policy(3))).success);
    expect(first).toEqual([true, true, true, false]);
    // Wipe what Redis knows of the key: a limiter that asked Redis would now let the next request through.
    const client = createClient({ url: sharedUrl });
    await client.connect();
    try {
      const keys = await client.keys(`${keyPrefix}*`);
      expect(keys.length).toBeGreaterThan(0);
      await client.del(keys);
      for (let i = 0; i < 20; i++) expect((await l.limit("key_flood", policy(3))).success).toBe(false);
      expect(await client.keys(`${keyPrefix}*`)).toEqual([]); // and nothing was written back
    } finally {
      await client.quit();
    }
    // Another instance (no local memory of the key) asks Redis, which was wiped: it admits.
    const other = open(createRedisLimiter(sharedUrl, { keyPrefix }));
    expect((await other.limit("key_flood", policy(3))).success).toBe(true);
  });
});

describe("getLimiter() picks the backend from env", () => {
  const vars = ["REDIS_URL", "UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN"] as const;
  it.each([
    { env: {}, kind: "memory" },
    { env: { REDIS_URL: "shared" }, kind: "redis" },
    { env: { UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", UPSTASH_REDIS_REST_TOKEN: "t" }, kind: "upstash" },
    { env: { UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9", UPSTASH_REDIS_REST_TOKEN: "t", REDIS_URL: "shared" }, kind: "upstash" },
    { env: { UPSTASH_REDIS_REST_URL: "http://127.0.0.1:9" }, kind: "memory" },
  ])("$env → $kind", ({ env, kind }) => {
    const previous = getLimiter();
    const saved = Object.fromEntries(vars.map((k) => [k, process.env[k]]));
    try {
      for (const k of vars) delete process.env[k];
      Object.assign(process.env, env, "REDIS_URL" in env ? { REDIS_URL: sharedUrl } : {});
      resetEnvForTests();
      setLimiter(undefined);
      const l = getLimiter();
      expect(l.kind).toBe(kind);
      expect(getLimiter()).toBe(l); // created once
      void l.close?.();
    } finally {
      for (const k of vars)
        if (saved[k] === undefined) delete process.env[k];
        else process.env[k] = saved[k];
      resetEnvForTests();
      setLimiter(previous);
    }
  });
});

describe("the node-redis adapter", () => {
  it("runs @upstash/ratelimit's scripts on Redis by hash after the first load (its Upstash-only flag dropped)", async () => {
    const client = createClient({ url: sharedUrl });
    await client.connect();
    try {
      const sent: string[] = [];
      const raw = {
        sendCommand: async (args: string[]) => {
          sent.push(args[0]!);
          try {
            return await client.sendCommand(args);
          } catch (e) {
            sent.push(String(e).includes("NOSCRIPT") ? "NOSCRIPT" : "ERROR");
            throw e;
          }
        },
      };
      const limiter = createRatelimitLimiter({
        kind: "redis",
        redis: createRedisAdapter(raw),
        ping: async () => "PONG",
        keyPrefix: prefix(),
      });
      // First call: the hash is unknown unless an earlier run loaded it (a shared Redis) → EVAL of
      // the stripped script; from then on EVALSHA hits. (No SCRIPT FLUSH: the Redis may be shared.)
      expect((await limiter.limit("key_sha", policy(10))).remaining).toBe(9);
      expect([["EVALSHA"], ["EVALSHA", "NOSCRIPT", "EVAL"]]).toContainEqual(sent.splice(0));
      for (let i = 1; i < 3; i++) {
        expect((await limiter.limit("key_sha", policy(10))).remaining).toBe(9 - i);
        expect(sent.splice(0)).toEqual(["EVALSHA"]);
      }
    } finally {
      client.destroy();
    }
  });
});

describe("through the route pipeline", () => {
  let previous: Limiter;
  beforeAll(() => {
    previous = getLimiter();
  });
  afterEach(() => setLimiter(previous));

  it.each(["redis", "upstash"] as const)(
    "%s backend: headers, 429 with Retry-After, a stream token counts against its key",
    async (kind) => {
      const bridge = kind === "upstash" ? await startUpstashBridge(sharedUrl) : undefined;
      try {
        const keyPrefix = prefix();
        setLimiter(
          open(
            kind === "redis"
              ? createRedisLimiter(sharedUrl, { keyPrefix })
              : createUpstashLimiter(bridge!.url, bridge!.token, { keyPrefix }),
          ),
        );
        const f = await createFixture({ rateLimitPerMinute: 3 });
        const first = await apiRequest("/api/v1/token", { key: f.key });
        expect(first.status).toBe(200);
        expect(first.headers.get("x-ratelimit-limit")).toBe("3");
        expect(first.headers.get("x-ratelimit-remaining")).toBe("2");
        const { token } = await first.json();
        const streamed = await apiRequest(`/api/v1/run/${f.workflowId}/stream?token=${token}`, { method: "POST", json: { story: "x" } });
        expect(streamed.status).toBe(200);
        await streamed.text();
        expect(streamed.headers.get("x-ratelimit-remaining")).toBe("1");
        expect((await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "x" } })).status).toBe(200);
        const limited = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "x" } });
        expect(limited.status).toBe(429);
        expect(await limited.json()).toMatchObject({ error: "Rate limit exceeded", success: false, code: "rate_limited" });
        const reset = Number(limited.headers.get("x-ratelimit-reset"));
        expect(reset).toBeGreaterThan(Date.now() / 1000);
        // Seconds until the window resets (not Upstash's ms timestamp); ±1 for the second boundary.
        expect(Math.abs(Number(limited.headers.get("retry-after")) - (reset - Date.now() / 1000))).toBeLessThanOrEqual(1);
        expect((await apiRequest("/api/health")).status).toBe(200);
      } finally {
        await bridge?.close();
      }
    },
  );
});

describe("Redis down or slow: bounded, fail open or closed", () => {
  let redis: PrivateRedis;
  let previous: Limiter;
  let lines: string[] = [];
  const write = logSink.write;
  const env = { ...process.env };

  beforeAll(async () => {
    previous = getLimiter();
    redis = await startRedisServer();
  });
  afterEach(() => {
    setLimiter(previous);
    logSink.write = write;
    for (const k of ["RATE_LIMIT_FAIL_MODE", "RATE_LIMIT_TIMEOUT_MS", "LOG_LEVEL"]) {
      if (env[k] === undefined) delete process.env[k];
      else process.env[k] = env[k];
    }
    resetEnvForTests();
  });
  afterAll(async () => {
    redis.thaw();
    await redis.kill();
  });

  const useEnv = (vars: Record<string, string>) => {
    Object.assign(process.env, vars);
    resetEnvForTests();
    lines = [];
    logSink.write = (line: string) => (lines.push(line), true);
  };
  const timed = async (req: () => Promise<Response>) => {
    const t0 = performance.now();
    const res = await req();
    return { res, ms: performance.now() - t0 };
  };

  it("killed: answered at once, open then closed, and enforced again after a restart", async () => {
    useEnv({ RATE_LIMIT_TIMEOUT_MS: "300", LOG_LEVEL: "warn" });
    setLimiter(open(createRedisLimiter(redis.url, { keyPrefix: prefix() })));
    const f = await createFixture({ rateLimitPerMinute: 2 });
    const run = () => apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "x" } });
    expect((await run()).headers.get("x-ratelimit-remaining")).toBe("1");

    await redis.kill();
    for (let i = 0; i < 3; i++) {
      const { res, ms } = await timed(run);
      // Over the key's limit of 2, yet let through: the store is down and the mode is open.
      expect(res.status).toBe(200);
      expect(ms).toBeLessThan(300 + 200);
    }
    expect(
      lines.some((l) => l.includes('"level":"warn"') && l.includes("rate limiter unavailable") && l.includes('"failMode":"open"')),
    ).toBe(true);

    useEnv({ RATE_LIMIT_TIMEOUT_MS: "300", RATE_LIMIT_FAIL_MODE: "closed", LOG_LEVEL: "warn" });
    const { res, ms } = await timed(run);
    expect(res.status).toBe(429);
    expect(await res.json()).toMatchObject({ error: "Rate limit exceeded", success: false, code: "rate_limited" });
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(ms).toBeLessThan(300 + 200);
    expect(lines.some((l) => l.includes('"failMode":"closed"'))).toBe(true);
    const health = await apiRequest("/api/health");
    expect(health.status).toBe(503);
    expect((await health.json()).checks.ratelimit).toMatchObject({ ok: false, kind: "redis" });

    // Back up (empty: a fresh server): the client reconnects on its own and counts again.
    await redis.restart();
    await expect.poll(async () => (await run()).headers.get("x-ratelimit-remaining"), { timeout: 5000, interval: 100 }).toBe("1");
    expect((await run()).status).toBe(200);
    expect((await run()).status).toBe(429);
    expect((await apiRequest("/api/health")).status).toBe(200);
  });

  it("hung (SIGSTOP): every request still answered within the timeout, open and closed", async () => {
    useEnv({ RATE_LIMIT_TIMEOUT_MS: "150", LOG_LEVEL: "warn" });
    setLimiter(open(createRedisLimiter(redis.url, { keyPrefix: prefix() })));
    const f = await createFixture({ rateLimitPerMinute: 100 });
    const run = () => apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "x" } });
    expect((await run()).headers.get("x-ratelimit-remaining")).toBe("99");

    redis.freeze();
    try {
      const open = await Promise.all(Array.from({ length: 5 }, () => timed(run)));
      for (const { res, ms } of open) {
        expect(res.status).toBe(200);
        expect(ms).toBeLessThan(150 + 250);
      }
      useEnv({ RATE_LIMIT_TIMEOUT_MS: "150", RATE_LIMIT_FAIL_MODE: "closed", LOG_LEVEL: "warn" });
      const { res, ms } = await timed(run);
      expect(res.status).toBe(429);
      expect(ms).toBeLessThan(150 + 250);
    } finally {
      redis.thaw();
    }
  });

  it("a Redis that is down when the app starts: first requests fail open at once, no crash", async () => {
    useEnv({ RATE_LIMIT_TIMEOUT_MS: "300", LOG_LEVEL: "warn" });
    const nowhere = await startRedisServer();
    await nowhere.kill();
    setLimiter(open(createRedisLimiter(nowhere.url, { keyPrefix: prefix() })));
    const f = await createFixture();
    for (let i = 0; i < 3; i++) {
      const { res, ms } = await timed(() => apiRequest("/api/v1/token", { key: f.key }));
      expect(res.status).toBe(200);
      expect(ms).toBeLessThan(300 + 200);
    }
  });

  it("the Upstash backend fails the same way when its endpoint is gone", async () => {
    const bridge = await startUpstashBridge(redis.url);
    const url = bridge.url;
    await bridge.close();
    useEnv({ RATE_LIMIT_TIMEOUT_MS: "300", LOG_LEVEL: "warn" });
    setLimiter(createUpstashLimiter(url, "test-upstash-token-not-secret", { keyPrefix: prefix() }));
    const f = await createFixture();
    expect((await apiRequest("/api/v1/token", { key: f.key })).status).toBe(200);
    useEnv({ RATE_LIMIT_TIMEOUT_MS: "300", RATE_LIMIT_FAIL_MODE: "closed", LOG_LEVEL: "warn" });
    const { res, ms } = await timed(() => apiRequest("/api/v1/token", { key: f.key }));
    expect(res.status).toBe(429);
    expect(ms).toBeLessThan(300 + 200);
  });
});
