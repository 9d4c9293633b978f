import { createOpenAI } from "@ai-sdk/openai";
import type { JSONSchema7, LanguageModelV4, LanguageModelV4StreamPart } from "@ai-sdk/provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeOpenAI, type FakeOpenAI } from "../support/openai-upstream";

// The upstream stand-in's function calls, read by the real @ai-sdk/openai provider (both wire APIs,
// streamed and not): what every tools test builds on must parse the way OpenAI's own answers do.

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake.close());

const weather = {
  type: "function" as const,
  name: "get_weather",
  description: "Weather for a city",
  inputSchema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } as JSONSchema7,
};
const time = { ...weather, name: "get_time", description: "Local time" };
const prompt = [{ role: "user" as const, content: [{ type: "text" as const, text: "Weather in Paris?" }] }];

function models() {
  const p = createOpenAI({ baseURL: fake.url, apiKey: "test" });
  return { chat: p.chat("fake-model"), responses: p.responses("fake-model") } as Record<string, LanguageModelV4>;
}

async function parts(model: LanguageModelV4, opts: Partial<Parameters<LanguageModelV4["doStream"]>[0]> = {}) {
  const { stream } = await model.doStream({ prompt, tools: [weather, time], ...opts });
  const out: LanguageModelV4StreamPart[] = [];
  for await (const p of stream as unknown as AsyncIterable<LanguageModelV4StreamPart>) out.push(p);
  return out;
}

describe.each(["chat", "responses"])("the stand-in's tool calls on %s", (api) => {
  it("streams two calls whose arguments arrive in pieces, then finishes with tool-calls", async () => {
    fake.set({
      toolScript: [
        { name: "get_weather", arguments: { city: "Paris", units: "metric, please" } },
        { name: "get_time", arguments: {} },
      ],
    });
    try {
      const ps = await parts(models()[api]!);
      const calls = ps.filter((p) => p.type === "tool-call");
      expect(calls.map((c) => [c.toolName, JSON.parse(c.input)])).toEqual([
        ["get_weather", { city: "Paris", units: "metric, please" }],
        ["get_time", {}],
      ]);
      const deltas = ps.filter((p) => p.type === "tool-input-delta");
      expect(deltas.length).toBeGreaterThan(4); // split, not whole
      expect(ps.filter((p) => p.type === "tool-input-start").map((p) => p.toolName)).toEqual(["get_weather", "get_time"]);
      const finish = ps.find((p) => p.type === "finish");
      expect(finish?.type === "finish" && finish.finishReason.unified).toBe("tool-calls");
      expect(ps.some((p) => p.type === "text-delta")).toBe(false);
      const last = fake.requests.at(-1)!;
      expect(last.body.stream).toBe(true);
    } finally {
      fake.reset();
    }
  });

  it("answers the calls unstreamed (doGenerate)", async () => {
    fake.set({ toolCalls: () => [{ name: "get_weather", arguments: { city: "Oslo" } }] });
    try {
      const r = await models()[api]!.doGenerate({ prompt, tools: [weather] });
      const calls = r.content.filter((c) => c.type === "tool-call");
      expect(calls).toHaveLength(1);
      const call = calls[0]!;
      expect(call.type === "tool-call" && [call.toolName, JSON.parse(call.input)]).toEqual(["get_weather", { city: "Oslo" }]);
      expect(r.finishReason.unified).toBe("tool-calls");
    } finally {
      fake.reset();
    }
  });

  it("does not call a tool the request does not offer, and quotes the results once it has them", async () => {
    fake.set({ toolScript: [{ name: "get_weather", arguments: { city: "Paris" } }] });
    try {
      const none = await parts(models()[api]!, { tools: [time] });
      expect(none.some((p) => p.type === "tool-call")).toBe(false);
      const first = await parts(models()[api]!);
      const call = first.find((p) => p.type === "tool-call")!;
      if (call.type !== "tool-call") throw new Error("no call");
      // The round trip: the caller sends the call and its result back; the stand-in answers text.
      const ps = await parts(models()[api]!, {
        prompt: [
          ...prompt,
          {
            role: "assistant",
            content: [{ type: "tool-call", toolCallId: call.toolCallId, toolName: call.toolName, input: JSON.parse(call.input) }],
          },
          {
            role: "tool",
            content: [
              { type: "tool-result", toolCallId: call.toolCallId, toolName: call.toolName, output: { type: "text", value: "sunny, 21C" } },
            ],
          },
        ],
      });
      expect(ps.some((p) => p.type === "tool-call")).toBe(false);
      const text = ps.flatMap((p) => (p.type === "text-delta" ? [p.delta] : [])).join("");
      expect(text).toBe("Tool results: sunny, 21C");
      const finish = ps.find((p) => p.type === "finish");
      expect(finish?.type === "finish" && finish.finishReason.unified).toBe("stop");
    } finally {
      fake.reset();
    }
  });
});

it("the scripted form works out of process and runs calls one after another with `after`", async () => {
  const control = (body: object) =>
    fetch(`${fake.url.replace(/\/v1$/, "")}/__control`, { method: "POST", body: JSON.stringify(body) }).then((r) => r.json());
  await control({
    toolScript: [
      { name: "get_weather", arguments: { city: "Rome" } },
      { name: "get_time", arguments: "{}", after: "get_weather" },
    ],
  });
  try {
    const ps = await parts(models().chat!);
    expect(ps.filter((p) => p.type === "tool-call").map((p) => p.type === "tool-call" && p.toolName)).toEqual(["get_weather"]);
  } finally {
    await control({ reset: true });
  }
});
