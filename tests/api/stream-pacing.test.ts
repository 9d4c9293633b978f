import { createParser, type EventSourceMessage } from "eventsource-parser";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { runs } from "@/db/schema";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";
import { serveRoutes } from "../support/serve";
import { timedFetch } from "../support/timed-fetch";
import { upstream } from "../setup";

// Seed B's stream controls: parameters.stream_delay_ms and parameters.chunk_size re-chunk and pace
// what the client receives, and change nothing else (the model's request, the stored output, the
// charge). Timing is asserted only as lower bounds the server cannot beat, never as upper bounds.

let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes();
});
afterAll(() => server.close());
afterEach(async () => (await upstream()).reset());

const TEXT = "Pacing makes a fast model read like a typewriter: slowly, evenly, and in small pieces. 🐕 ok";
const codePoints = (s: string) => Array.from(s).length;

/** Every SSE event of a streamed run, with the time (ms since the request) at which its bytes were read. */
async function streamSse(workflowId: string, key: string, body: unknown) {
  const res = await timedFetch(`${server.url}/api/v1/run/${workflowId}/stream`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, accept: "text/event-stream", "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  const events: Array<EventSourceMessage & { at: number }> = [];
  let now = 0;
  const parser = createParser({ onEvent: (e) => events.push({ ...e, at: now }) });
  for (const read of res.reads) {
    now = read.at;
    parser.feed(read.text);
  }
  return { events };
}

describe("seed B's stream controls", () => {
  it("chunk_size re-chunks the SSE chunks (by characters, a surrogate pair never split); the model, the stored output and the charge are unchanged", async () => {
    const fake = await upstream();
    fake.set({ text: TEXT });
    const f = await createFixture({ model: "openai.chat:m", template: "{{query}}" });
    const plain = await streamSse(f.workflowId, f.key, { query: "say it" });
    const paced = await streamSse(f.workflowId, f.key, { query: "say it", parameters: { chunk_size: 7 } });

    const chunks = paced.events.filter((e) => e.event === "chunk").map((e) => ({ id: e.id, ...JSON.parse(e.data) }));
    expect(chunks.map((c) => c.content).join("")).toBe(TEXT);
    expect(chunks.slice(0, -1).every((c) => codePoints(c.content) === 7)).toBe(true);
    expect(codePoints(chunks.at(-1)!.content)).toBeLessThanOrEqual(7);
    expect(chunks.map((c) => c.index)).toEqual(chunks.map((_, i) => i));
    expect(chunks.map((c) => c.id)).toEqual(chunks.map((_, i) => String(i)));
    // The upstream sent word tokens, not 7-character pieces: the re-chunking is ours.
    const plainChunks = plain.events.filter((e) => e.event === "chunk").map((e) => JSON.parse(e.data).content as string);
    expect(plainChunks.some((c) => codePoints(c) !== 7)).toBe(true);

    // The same request to the model (the controls are no template variables), the same usage and charge.
    const [a, b] = fake.requests.slice(-2).map((r) => r.body);
    expect(b).toEqual(a);
    expect(JSON.stringify(b)).not.toContain("chunk_size");
    const doneOf = (evs: typeof plain.events) => JSON.parse(evs.find((e) => e.event === "done")!.data);
    expect(doneOf(paced.events).usage).toEqual(doneOf(plain.events).usage);
    expect(doneOf(paced.events).credits_charged).toBe(doneOf(plain.events).credits_charged);
    const rows = await (await getDb()).select().from(runs).where(eq(runs.orgId, f.orgId));
    expect(rows.map((r) => r.output)).toEqual([TEXT, TEXT]);
  });

  it("stream_delay_ms spaces the SSE chunks at least that far apart, and `done` comes after the last one", async () => {
    const fake = await upstream();
    // The text comes at once and the call ends 400 ms later, after the last chunk is due: the run's
    // settlement (synchronous on PGlite, on this thread) cannot hold a chunk back and merge it with the next.
    fake.set({ text: TEXT, finishDelayMs: 400 });
    const f = await createFixture({ model: "openai.chat:m", template: "{{query}}" });
    const { events } = await streamSse(f.workflowId, f.key, { query: "q", parameters: { stream_delay_ms: 40, chunk_size: 20 } });
    const chunks = events.filter((e) => e.event === "chunk");
    expect(chunks.map((c) => JSON.parse(c.data).content).join("")).toBe(TEXT);
    expect(chunks.length).toBe(Math.ceil(codePoints(TEXT) / 20));
    // The server cannot send chunk n before n × 40 ms have passed since the first one (a loaded
    // machine only makes the gaps longer); the upstream itself sends the text in a few milliseconds.
    const span = chunks.at(-1)!.at - chunks[0]!.at;
    expect(span).toBeGreaterThanOrEqual((chunks.length - 1) * 40 - 5);
    expect(events.at(-1)!.event).toBe("done");
    // Chunks arrive in reads of their own, separated by the delay (a stalled reader may merge some).
    const gaps = chunks.slice(1).map((c, i) => c.at - chunks[i]!.at);
    expect(gaps.some((g) => g >= 35)).toBe(true);
  });

  it("paces the plain-text protocol too", async () => {
    const fake = await upstream();
    fake.set({ text: TEXT, finishDelayMs: 400 }); // as above
    const f = await createFixture({ model: "openai.chat:m", template: "{{story}}" });
    const { headers, reads } = await timedFetch(`${server.url}/api/v1/run/${f.workflowId}/stream`, {
      method: "POST",
      headers: { authorization: `Bearer ${f.key}`, "content-type": "application/json" },
      body: JSON.stringify({ story: TEXT, parameters: { stream_delay_ms: 30, chunk_size: 10 } }),
    });
    expect(headers["content-type"]).toBe("text/plain; charset=utf-8");
    expect(reads.map((r) => r.text).join("")).toBe(TEXT);
    const n = Math.ceil(codePoints(TEXT) / 10);
    expect(reads.at(-1)!.at - reads[0]!.at).toBeGreaterThanOrEqual((n - 1) * 30 - 5);
    // The text came in pieces over time, not at once.
    expect(reads.length).toBeGreaterThan(1);
  });

  it.each([
    [{ stream_delay_ms: -1 }, "parameters.stream_delay_ms must be an integer from 0 to 1000 (milliseconds)"],
    [{ stream_delay_ms: 1001 }, "parameters.stream_delay_ms must be an integer from 0 to 1000 (milliseconds)"],
    [{ stream_delay_ms: 2.5 }, "parameters.stream_delay_ms must be an integer from 0 to 1000 (milliseconds)"],
    [{ stream_delay_ms: "100" }, "parameters.stream_delay_ms must be an integer from 0 to 1000 (milliseconds)"],
    [{ chunk_size: 0 }, "parameters.chunk_size must be an integer from 1 to 1000 (characters)"],
    [{ chunk_size: 1001 }, "parameters.chunk_size must be an integer from 1 to 1000 (characters)"],
    [{ chunk_size: null }, "parameters.chunk_size must be an integer from 1 to 1000 (characters)"],
  ])("parameters %j → 400 before any run starts", async (parameters, message) => {
    const f = await createFixture({ template: "{{story}}" });
    const res = await apiRequest(`/api/v1/run/${f.workflowId}/stream`, { method: "POST", key: f.key, json: { story: "x", parameters } });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ success: false, error: message, code: "invalid_request" });
    expect(await (await getDb()).select().from(runs).where(eq(runs.orgId, f.orgId))).toHaveLength(0);
  });

  it("the boundaries are accepted", async () => {
    const f = await createFixture({ template: "{{story}}" });
    for (const parameters of [
      { stream_delay_ms: 0, chunk_size: 1000 },
      { stream_delay_ms: 1, chunk_size: 1 },
    ]) {
      const res = await apiRequest(`/api/v1/run/${f.workflowId}/stream`, { method: "POST", key: f.key, json: { story: "ab", parameters } });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("ab");
    }
  });
});
