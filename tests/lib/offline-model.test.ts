import type { LanguageModelV4StreamPart } from "@ai-sdk/provider";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { sumLedger } from "@/db/queries/credits";
import { getRun } from "@/db/queries/runs";
import { estimateTokens } from "@/lib/llm/estimate-tokens";
import { createOfflineModel } from "@/lib/llm/offline-model";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";

// Issue 14 item 9: the offline model counted one token per word, so one long "word" (900 KB)
// cost 2 credits and put 900 KB into the session's history. It now counts with the estimator
// the credits use (~4 bytes per token), and streams one token (≤ 4 characters) per delta.

const prompt = (text: string) => [{ role: "user" as const, content: [{ type: "text" as const, text }] }];

async function streamed(text: string, maxOutputTokens: number) {
  const { stream } = await createOfflineModel().doStream({ prompt: prompt(text), maxOutputTokens });
  const parts: LanguageModelV4StreamPart[] = [];
  for await (const p of stream) parts.push(p);
  const deltas = parts.flatMap((p) => (p.type === "text-delta" ? [p.delta] : []));
  const finish = parts.find((p) => p.type === "finish")!;
  if (finish.type !== "finish") throw new Error("no finish");
  return { deltas, usage: finish.usage, finishReason: finish.finishReason.unified };
}

describe("offline model token counts", () => {
  it("a 900 KB one-word input counts ~4 bytes per token, the estimator credits use", async () => {
    const word = "x".repeat(900_000);
    const { deltas, usage, finishReason } = await streamed(word, 10);
    expect(usage.inputTokens.total).toBe(estimateTokens(word));
    expect(usage.inputTokens.total).toBe(225_000);
    // At most maxOutputTokens tokens of at most 4 characters: not the whole word as one token.
    expect(deltas).toHaveLength(10);
    expect(deltas.join("")).toBe("x".repeat(40));
    expect(usage.outputTokens.total).toBe(10);
    expect(finishReason).toBe("length");
    const generated = await createOfflineModel().doGenerate({ prompt: prompt(word), maxOutputTokens: 10 });
    expect(generated.usage.inputTokens.total).toBe(225_000);
    expect(generated.content).toEqual([{ type: "text", text: "x".repeat(40) }]);
  });

  it("ordinary text: one delta per token, the echo intact, counts equal to the estimate", async () => {
    const text = "Write a story about a dog named charlie — ça va? 🐕";
    const { deltas, usage, finishReason } = await streamed(text, 1000);
    expect(deltas.join("")).toBe(text);
    expect(finishReason).toBe("stop");
    expect(usage.inputTokens.total).toBe(estimateTokens(text));
    expect(usage.outputTokens.total).toBe(deltas.length);
    expect(deltas.length).toBeLessThanOrEqual(estimateTokens(text));
    for (const d of deltas) expect([...d].length).toBeLessThanOrEqual(4);
  });

  it("POST /run on the offline default: a long one-word input pays for its length", async () => {
    const f = await createFixture({ credits: 100_000, template: "{{story}}", maxOutputTokens: 50 });
    const story = "y".repeat(16_000);
    const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story } });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.usage).toEqual({ input_tokens: 4000, output_tokens: 50, total_tokens: 4050 });
    expect(body.credits_charged).toBe(4050);
    expect(body.result).toBe("y".repeat(200));
    const db = await getDb();
    expect((await getRun(db, { orgId: f.orgId, runId: body.run_id }))!.output).toHaveLength(200);
    expect(await sumLedger(db, f.orgId)).toBe(100_000 - 4050);
  });
});
