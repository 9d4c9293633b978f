import { afterEach, describe, expect, it, vi } from "vitest";
import { sseSink } from "./sse";

afterEach(() => vi.useRealTimers());

async function readAll(res: Response) {
  return new TextDecoder().decode(await res.arrayBuffer());
}

describe("SSE sink (docs/contract.md, the SSE protocol)", () => {
  it("writes a keep-alive comment every 15 s while the run is quiet, and stops at the end", async () => {
    vi.useFakeTimers();
    const sink = sseSink({ onCancel: () => {} });
    const res = sink.response(new Headers());
    sink.start("run_x");
    await vi.advanceTimersByTimeAsync(15_000);
    sink.text("Hello", 0);
    await vi.advanceTimersByTimeAsync(15_000);
    sink.end({
      runId: "run_x",
      status: "completed",
      text: "Hello",
      citations: [],
      usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 },
      creditsCharged: 2,
      executionTimeS: 30,
    });
    await vi.advanceTimersByTimeAsync(60_000);
    vi.useRealTimers();
    const body = await readAll(res);
    expect(body.match(/: keep-alive\n\n/g)).toHaveLength(2);
    expect(body.indexOf("event: start")).toBeLessThan(body.indexOf(": keep-alive"));
    expect(body.endsWith('"credits_charged":2}\n\n')).toBe(true);
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
  });
});
