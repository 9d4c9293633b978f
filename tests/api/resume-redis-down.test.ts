import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { replaceProcessSingleton } from "@/lib/process-singleton";
import { redisBus, type RunBus } from "@/lib/runs/run-bus";
import { createFixture } from "../support/fixtures";
import { startRedisServer, type PrivateRedis } from "../support/redis-server";
import { serveRoutes } from "../support/serve";
import { upstream } from "../setup";

// A finished run's stream is its stored output (README, "Resumable streams"): with the run bus's
// Redis down, GET /runs/:id/stream and a repeated POST /stream with its Idempotency-Key replay it
// from the run record instead of answering 500. Redis here is a private server, killed mid-test.

const FULL = Array.from({ length: 12 }, (_, i) => `tok${i} `).join("");

let server: Awaited<ReturnType<typeof serveRoutes>>;
let redis: PrivateRedis;
let previous: RunBus | undefined;
beforeAll(async () => {
  server = await serveRoutes();
  redis = await startRedisServer();
  previous = replaceProcessSingleton("run-bus", redisBus(redis.url, `fg-test-down-${process.pid}`));
});
afterAll(async () => {
  replaceProcessSingleton("run-bus", previous);
  await server.close();
  await redis.kill();
});
afterEach(async () => (await upstream()).reset());

function sse(text: string) {
  const events: EventSourceMessage[] = [];
  createParser({ onEvent: (e) => events.push(e) }).feed(text);
  return events;
}
const chunksOf = (events: EventSourceMessage[]) =>
  events
    .filter((e) => e.event === "chunk")
    .map((e) => JSON.parse(e.data).content)
    .join("");

describe("resuming with the run bus's Redis down", () => {
  it("a finished run replays from its stored output (GET /runs/:id/stream, an Idempotency-Key repeat); a running one is a 503", async () => {
    (await upstream()).set({ tokens: 12, tokenDelayMs: 1 });
    const f = await createFixture({ model: "openai.chat:m" });
    const auth = { authorization: `Bearer ${f.key}` };
    const start = () =>
      fetch(`${server.url}/api/v1/run/${f.workflowId}/stream?protocol=sse&resumable=1`, {
        method: "POST",
        headers: { ...auth, "idempotency-key": "down-1" },
        body: JSON.stringify({ story: "x" }),
      });
    const first = await start();
    const runId = first.headers.get("x-run-id")!;
    expect(chunksOf(sse(await first.text()))).toBe(FULL);
    // While Redis is up, the bus answers (the run's events, chunk by chunk).
    const live = await fetch(`${server.url}/api/v1/runs/${runId}/stream`, { headers: { ...auth, accept: "text/event-stream" } });
    expect(live.status).toBe(200);
    expect(chunksOf(sse(await live.text()))).toBe(FULL);

    await redis.kill();

    const resumed = await fetch(`${server.url}/api/v1/runs/${runId}/stream`, { headers: { ...auth, accept: "text/event-stream" } });
    expect(resumed.status).toBe(200);
    const events = sse(await resumed.text());
    expect(chunksOf(events)).toBe(FULL);
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ status: "completed", run_id: runId });

    // The text protocol too, with a fresh stream token as a browser would.
    const { token } = await (await fetch(`${server.url}/api/v1/token`, { headers: auth })).json();
    const text = await fetch(`${server.url}/api/v1/runs/${runId}/stream?token=${token}&protocol=text`);
    expect(text.status).toBe(200);
    expect(await text.text()).toBe(FULL);

    const repeat = await start();
    expect(repeat.status).toBe(200);
    expect(repeat.headers.get("idempotent-replayed")).toBe("true");
    expect(repeat.headers.get("x-run-id")).toBe(runId);
    expect(chunksOf(sse(await repeat.text()))).toBe(FULL);

    // A run still going cannot be followed without the bus: a 503 in the documented shape, not a 500.
    (await upstream()).set({ tokens: 200, tokenDelayMs: 20 });
    const ctrl = new AbortController();
    const going = await fetch(`${server.url}/api/v1/run/${f.workflowId}/stream?protocol=sse&resumable=1`, {
      method: "POST",
      headers: auth,
      body: JSON.stringify({ story: "y" }),
      signal: ctrl.signal,
    });
    const goingId = going.headers.get("x-run-id")!;
    await going.body!.getReader().read();
    const follow = await fetch(`${server.url}/api/v1/runs/${goingId}/stream`, { headers: auth });
    expect(follow.status).toBe(503);
    expect(follow.headers.get("retry-after")).toBeTruthy();
    expect(await follow.json()).toMatchObject({ success: false, code: "service_unavailable" });
    await fetch(`${server.url}/api/v1/runs/${goingId}/cancel`, { method: "POST", headers: auth }).then((r) => r.text());
    ctrl.abort();
  });
});
