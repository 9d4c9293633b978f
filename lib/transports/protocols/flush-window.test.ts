import { afterEach, describe, expect, it } from "vitest";
import { setLoopBusyForTests } from "./flush-window";
import { textSink } from "./text";

afterEach(() => setLoopBusyForTests(undefined));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes `n` deltas `gapMs` apart and returns the chunks the body delivered, with when each came. */
async function chunksOf(n: number, gapMs: number) {
  const sink = textSink({ onCancel: () => {} });
  const reader = sink.response(new Headers()).body!.getReader();
  const chunks: { text: string; at: number }[] = [];
  const t0 = performance.now();
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      chunks.push({ text: new TextDecoder().decode(value), at: performance.now() - t0 });
    }
  })();
  sink.start("run_x");
  for (let i = 0; i < n; i++) {
    sink.text(`t${i} `, i);
    await sleep(gapMs);
  }
  sink.end({
    runId: "run_x",
    status: "completed",
    text: "",
    citations: [],
    usage: { input_tokens: 1, output_tokens: n, total_tokens: n + 1 },
    creditsCharged: 1,
    executionTimeS: 0,
  });
  await reading;
  return chunks;
}

describe("stream bodies under load (STREAM_FLUSH_MS, lib/transports/protocols/flush-window.ts)", () => {
  it("with room to spare, every delta is its own write", async () => {
    setLoopBusyForTests(false);
    const chunks = await chunksOf(10, 10);
    expect(chunks.map((c) => c.text)).toEqual(Array.from({ length: 10 }, (_, i) => `t${i} `));
  });

  it("on a busy loop, later deltas are gathered (at most one write per 50 ms window), the first is not held back, nothing is lost", async () => {
    setLoopBusyForTests(true);
    const chunks = await chunksOf(20, 5);
    expect(chunks.map((c) => c.text).join("")).toBe(Array.from({ length: 20 }, (_, i) => `t${i} `).join(""));
    expect(chunks[0]!.text).toBe("t0 ");
    expect(chunks[0]!.at).toBeLessThan(40);
    // 20 deltas over ≥ 100 ms: a few writes, each ≥ 50 ms after the one before (the end flushes at once).
    expect(chunks.length).toBeLessThan(10);
    for (let i = 1; i < chunks.length - 1; i++) expect(chunks[i]!.at - chunks[i - 1]!.at).toBeGreaterThanOrEqual(45);
  });
});
