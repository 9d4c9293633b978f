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

describe("paced", () => {
  it("writes the chunks at least delayMs apart, never a fraction of a millisecond less", async () => {
    const { sink, writes, done } = recordingSink();
    const p = paced(sink, { delayMs: 20, chunkSize: 1, maxMs: 10_000 });
    p.text("abcdefghij", 0);
    p.end({ kind: "ok" } as never);
    await done;
    expect(writes.map((w) => w.text).join("")).toBe("abcdefghij");
    const gaps = writes.slice(1).map((w, i) => w.at - writes[i]!.at);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(20);
  });

  it("sends what is left at once after maxMs", async () => {
    const { sink, writes, done } = recordingSink();
    const p = paced(sink, { delayMs: 30, chunkSize: 1, maxMs: 50 });
    p.text("abcdefgh", 0);
    p.end({ kind: "ok" } as never);
    await done;
    expect(writes.map((w) => w.text).join("")).toBe("abcdefgh");
    // Two or three waits fit in 50 ms; the rest follows in the same turn.
    expect(writes.at(-1)!.at - writes[0]!.at).toBeLessThan(8 * 30);
  });
});
