import { createClient } from "redis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { replaceProcessSingleton } from "@/lib/process-singleton";
import { memoryBus, redisBus, type RunBus } from "@/lib/runs/run-bus";
import { createFixture } from "../support/fixtures";
import { startRedisServer, type PrivateRedis } from "../support/redis-server";
import { serveRoutes } from "../support/serve";
import { upstream } from "../setup";

// Issue 14 item 8: every follower of a resumable run (GET /runs/:id/stream) opened its own Redis
// connection and kept it, and its listener, until the run ended — even after it disconnected
// (30 followers → 30 extra connections for up to 300 s). Followers now share one subscriber
// connection per instance, and one that disconnects is dropped at once.

const FOLLOWERS = 30;

let server: Awaited<ReturnType<typeof serveRoutes>>;
let redis: PrivateRedis | undefined;
const redisUrl = () => process.env.REDIS_URL ?? redis!.url;
beforeAll(async () => {
  server = await serveRoutes();
  if (!process.env.REDIS_URL) redis = await startRedisServer();
});
afterAll(async () => {
  server.close();
  await redis?.kill();
});
afterEach(async () => (await upstream()).reset());

async function waitUntil(ok: () => boolean | Promise<boolean>, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts a long resumable run and attaches FOLLOWERS followers; each has read its first chunk. */
async function followRun() {
  (await upstream()).set({ tokens: 400, tokenDelayMs: 20 });
  const f = await createFixture({ model: "openai.chat:m" });
  const auth = { authorization: `Bearer ${f.key}` };
  const origin = new AbortController();
  const started = await fetch(`${server.url}/api/v1/run/${f.workflowId}/stream?protocol=sse&resumable=1`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ story: "x" }),
    signal: origin.signal,
  });
  const runId = started.headers.get("x-run-id")!;
  await started.body!.getReader().read();
  const followers = await Promise.all(
    Array.from({ length: FOLLOWERS }, async () => {
      const ctrl = new AbortController();
      const res = await fetch(`${server.url}/api/v1/runs/${runId}/stream`, {
        headers: { ...auth, accept: "text/event-stream" },
        signal: ctrl.signal,
      });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      await reader.read();
      return { ctrl, reader };
    }),
  );
  const cancelRun = () => fetch(`${server.url}/api/v1/runs/${runId}/cancel`, { method: "POST", headers: auth }).then((r) => r.text());
  return { runId, followers, origin, cancelRun };
}

async function readToEnd(reader: ReadableStreamDefaultReader<Uint8Array>) {
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return text;
    text += new TextDecoder().decode(value);
  }
}

describe.each(["memory", "redis"] as const)("resume followers (%s bus)", (kind) => {
  let bus: RunBus;
  let previous: RunBus | undefined;
  const name = `fg-test-bus-${process.pid}-${Date.now()}`;
  beforeAll(() => {
    previous = replaceProcessSingleton("run-bus", undefined);
    bus = kind === "memory" ? memoryBus() : redisBus(redisUrl(), name);
    replaceProcessSingleton("run-bus", bus);
  });
  afterAll(() => {
    replaceProcessSingleton("run-bus", previous);
  });

  it(`${FOLLOWERS} followers share the instance's connections; those that disconnect are dropped, the others read on to the end`, async () => {
    const admin = kind === "redis" ? createClient({ url: redisUrl() }) : undefined;
    await admin?.connect();
    const busConnections = async () =>
      (await admin!.sendCommand<string>(["CLIENT", "LIST"])).split("\n").filter((l) => l.includes(` name=${name}`)).length;
    try {
      const { runId, followers, cancelRun } = await followRun();
      // One connection publishes, one subscribes, however many follow.
      if (admin) expect(await busConnections()).toBeLessThanOrEqual(2);
      expect(bus.followers(runId)).toBe(FOLLOWERS);

      // Half disconnect: they stop being followed at once, not when the run ends.
      for (const f of followers.slice(0, FOLLOWERS / 2)) f.ctrl.abort();
      await waitUntil(() => bus.followers(runId) === FOLLOWERS / 2);
      const rest = followers.slice(FOLLOWERS / 2);
      const reading = rest.map((f) => readToEnd(f.reader));
      await cancelRun();
      for (const text of await Promise.all(reading)) expect(text).toContain("event: done");
      await waitUntil(() => bus.followers(runId) === 0);
      if (admin) {
        // Nothing is left subscribed to the run's channel, and no connection was left behind.
        const [, subscribers] = await admin.sendCommand<[string, number]>(["PUBSUB", "NUMSUB", `fg:run:${runId}`]);
        expect(subscribers).toBe(0);
        expect(await busConnections()).toBeLessThanOrEqual(2);
      }
    } finally {
      await admin?.quit();
    }
  });

  it("followers that all disconnect while the run goes on leave no listener behind", async () => {
    const { runId, followers, cancelRun } = await followRun();
    for (const f of followers) f.ctrl.abort();
    await waitUntil(() => bus.followers(runId) === 0);
    await cancelRun();
  });
});
