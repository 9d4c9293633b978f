import { describe, expect, it } from "vitest";
import { paced } from "@/lib/transports/protocols/paced";
import type { StreamSink } from "@/lib/transports/protocols/types";

/** A sink that records when each text chunk was written. */
function recordingSink() {
  const writes: Array<{ at: number; text: string }> = [];
  let ended!: () => void;
  const done = new Promise<void>((r) => (ended = r));
  const noop = () => {};
  const sink: StreamSink = {
    failureInStream: true,
    start: noop,
    text: (text) => void writes.push({ at: performance.now(), text }),
    source: noop,
    toolInputStart: noop,
    toolInputDelta: noop,
    toolCall: noop,
    toolResult: noop,
    end: () => ended(),
    response: () => new Response(null),
  };
  return { sink, writes, done };
}

/** Paces `text` (one character per chunk) to its end; every character is written once, in order. */
async function pacedWrites(text: string, pacing: { delayMs: number; maxMs: number }) {
  const { sink, writes, done } = recordingSink();
  const p = paced(sink, { ...pacing, chunkSize: 1 });
  p.text(text, 0);
  p.end({ kind: "ok" } as never);
  await done;
  expect(writes.map((w) => w.text).join("")).toBe(text);
  return writes;
}

describe("paced", () => {
  it("writes the chunks at least delayMs apart, never a fraction of a millisecond less", async () => {
    const writes = await pacedWrites("abcdefghij", { delayMs: 20, maxMs: 10_000 });
    const gaps = writes.slice(1).map((w, i) => w.at - writes[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(20);
  });

  it("sends what is left at once after maxMs", async () => {
    const writes = await pacedWrites("abcdefgh", { delayMs: 30, maxMs: 50 });
    // Two or three waits fit in 50 ms; the rest follows in the same turn.
    expect(writes.at(-1)!.at - writes[0]!.at).toBeLessThan(8 * 30);
  });
});
