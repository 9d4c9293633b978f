import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisBus, type BusEvent } from "@/lib/runs/run-bus";
import { startRedisServer, type PrivateRedis } from "../support/redis-server";

// The run bus that lets another instance resume a stream (tests/api/resume.test.ts), over Redis:
// REDIS_URL when set, else a private redis-server. In the slow test project (vitest.config.ts).

describe("run bus across instances (Redis)", () => {
  let redis: PrivateRedis | undefined;
  const url = () => process.env.REDIS_URL ?? redis!.url;
  beforeAll(async () => {
    if (!process.env.REDIS_URL) redis = await startRedisServer();
  });
  afterAll(async () => redis?.kill());

  it("events published by one instance are followed live by another, from the start", async () => {
    const a = redisBus(url());
    const b = redisBus(url());
    const runId = `run_bus${Date.now()}${Math.floor(Math.random() * 1e6)}`;
    a.publish(runId, { t: "text", d: "one ", i: 0 });
    a.publish(runId, { t: "text", d: "two ", i: 1 });
    await new Promise((r) => setTimeout(r, 50));
    const stream = await b.follow(runId);
    expect(stream).not.toBeNull();
    const seen: BusEvent[] = [];
    const reading = (async () => {
      for await (const e of stream!) seen.push(e);
    })();
    a.publish(runId, { t: "text", d: "three", i: 2 });
    a.publish(runId, {
      t: "end",
      end: {
        runId,
        status: "completed",
        text: "one two three",
        citations: [],
        usage: { input_tokens: 1, output_tokens: 3, total_tokens: 4 },
        creditsCharged: 4,
        executionTimeS: 0.1,
      },
    });
    await reading;
    expect(seen.map((e) => e.seq)).toEqual([0, 1, 2, 3]);
    expect(
      seen
        .filter((e) => e.t === "text")
        .map((e) => (e as { d: string }).d)
        .join(""),
    ).toBe("one two three");
    expect(await b.follow("run_unknown_" + runId)).toBeNull();
  });
});
