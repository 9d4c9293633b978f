// @ai-sdk/openai as patched (patches/@ai-sdk+openai+*.patch, bench/README.md round 8): a stream's
// first chunks are checked for an error frame by reading them and replaying them, not through a
// tee() whose branch costs every later chunk a hop, and the provider's transform runs in one pull
// stream instead of a TransformStream. Driven through the real provider's doStream() against the
// wire-accurate upstream: what the tee and the TransformStream did, it must still do.
import type { LanguageModelV4StreamPart } from "@ai-sdk/provider";
import { createOpenAI } from "@ai-sdk/openai";
import { afterEach, describe, expect, it } from "vitest";
import { until } from "../support/until";
import { upstream } from "../setup";

afterEach(async () => (await upstream()).reset());

async function model(api: "chat" | "responses") {
  const provider = createOpenAI({ baseURL: (await upstream()).url, apiKey: "test-key" });
  return api === "chat" ? provider.chat("m") : provider.responses("m");
}

const call = { prompt: [{ role: "user" as const, content: [{ type: "text" as const, text: "hi" }] }], maxOutputTokens: 100 };

async function readAll(stream: ReadableStream<LanguageModelV4StreamPart>) {
  const parts: LanguageModelV4StreamPart[] = [];
  for await (const p of stream) parts.push(p);
  return parts;
}
const textOf = (parts: LanguageModelV4StreamPart[]) => parts.map((p) => (p.type === "text-delta" ? p.delta : "")).join("");

describe.each(["chat", "responses"] as const)("doStream() through the patched provider (%s API)", (api) => {
  it("streams every delta in order, between stream-start and finish with the usage", async () => {
    (await upstream()).set({ tokens: 30 });
    const { stream } = await (await model(api)).doStream(call);
    const parts = await readAll(stream);
    expect(parts[0]!.type).toBe("stream-start");
    expect(textOf(parts)).toBe(Array.from({ length: 30 }, (_, i) => `tok${i} `).join(""));
    const finish = parts.at(-1)!;
    expect(finish.type).toBe("finish");
    expect(finish.type === "finish" && finish.usage.outputTokens.total).toBe(30);
  });

  it("an error frame before any output: chat rejects doStream() itself, responses streams the error and no text", async () => {
    (await upstream()).set({ fault: "error_event_mid_stream", faultAfterTokens: 0 });
    const m = await model(api);
    if (api === "chat") return void (await expect(m.doStream(call)).rejects.toThrow(/overloaded/));
    const parts = await readAll((await m.doStream(call)).stream);
    expect(textOf(parts)).toBe("");
    expect(parts.some((p) => p.type === "error")).toBe(true);
  });

  it("an error frame after output arrives as an error part after the deltas before it", async () => {
    (await upstream()).set({ tokens: 10, fault: "error_event_mid_stream", faultAfterTokens: 4 });
    const { stream } = await (await model(api)).doStream(call);
    const parts = await readAll(stream);
    expect(textOf(parts)).toBe("tok0 tok1 tok2 tok3 ");
    expect(parts.some((p) => p.type === "error")).toBe(true);
  });

  it("a connection dropped mid-stream errors the stream after the deltas that came", async () => {
    (await upstream()).set({ tokens: 10, fault: "drop_mid_stream", faultAfterTokens: 3, tokenDelayMs: 5 });
    const { stream } = await (await model(api)).doStream(call);
    const seen: LanguageModelV4StreamPart[] = [];
    const reading = (async () => {
      for await (const p of stream) seen.push(p);
    })();
    const outcome = await reading.then(
      () => "ended",
      () => "errored",
    );
    const delivered = textOf(seen);
    expect(delivered).toBe("tok0 tok1 tok2 ");
    // Either as an error part (the provider's) or as the stream's error: never as a clean finish.
    expect(outcome === "errored" || seen.some((p) => p.type === "error") || seen.at(-1)?.type !== "finish").toBe(true);
  });

  it("canceling the stream after the first delta closes the connection to the model", async () => {
    const up = await upstream();
    up.set({ tokens: 200, tokenDelayMs: 10 });
    const closed = up.closedEarly;
    const { stream } = await (await model(api)).doStream(call);
    const reader = stream.getReader();
    for (;;) {
      const { value } = await reader.read();
      if (value?.type === "text-delta") break;
    }
    await reader.cancel();
    await until(() => up.closedEarly === closed + 1, "the model's connection closed");
  });

  it("an abort signal ends a stream in flight with the abort's reason", async () => {
    (await upstream()).set({ tokens: 200, tokenDelayMs: 10 });
    const ctl = new AbortController();
    const { stream } = await (await model(api)).doStream({ ...call, abortSignal: ctl.signal });
    const reader = stream.getReader();
    await reader.read();
    ctl.abort(new DOMException("stop", "AbortError"));
    let error: unknown;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        if (value.type === "error") error = value.error;
      }
    } catch (e) {
      error = e;
    }
    expect((error as Error | undefined)?.name).toBe("AbortError");
  });
});
