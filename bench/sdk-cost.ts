// `npx tsx bench/sdk-cost.ts`: what reading a model stream costs by itself, outside Next — CPU per
// stream of this process (GC threads included) for the realistic pace (50 tokens × 20 ms, 200 ms to
// first token, 100 new streams/s, from bench/upstream.ts), read two ways in alternating rounds:
//   plain — fetch() and read the body (what the bare Next pipe does with it);
//   sdk   — @ai-sdk/openai's chat model, doStream(), every part read (what the run engine does).
// The difference is the provider's parse pipeline, which every run pays whatever the server around
// it does: unpatched, a body re-wrap, TextDecoderStream, the SSE parser, a JSON + zod TransformStream,
// a tee() for the error check and the provider's own TransformStream; with patches/ (bench/README.md,
// rounds 6 and 8) one pull stream parses, a replay stream stands for the tee and one pull stream
// transforms, and zod validates each chunk synchronously.
// Knobs: SDK_COST_STREAMS (1000 per round), SDK_COST_ROUNDS (2).
import { createOpenAI } from "@ai-sdk/openai";
import { httpFetch } from "../lib/llm/http-fetch";
import { REALISTIC_PACE, startUpstream } from "./servers";

const N = Number(process.env.SDK_COST_STREAMS ?? 1000);
const ROUNDS = Number(process.env.SDK_COST_ROUNDS ?? 2);
const RATE = 100;
const { url, control } = await startUpstream();
await control(REALISTIC_PACE);
const model = createOpenAI({ baseURL: url, apiKey: "bench" }).chat("m");
const nodeModel = createOpenAI({ baseURL: url, apiKey: "bench", fetch: httpFetch }).chat("m");
const body = JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] });

async function plain() {
  const res = await fetch(`${url}/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body });
  const reader = res.body!.getReader();
  while (!(await reader.read()).done);
}
async function sdk(m = model) {
  const { stream } = await m.doStream({ prompt: [{ role: "user", content: [{ type: "text", text: "hi" }] }], maxOutputTokens: 100 });
  const reader = stream.getReader();
  let deltas = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (value.type === "text-delta" && value.delta) deltas++;
  }
  if (deltas !== 50) throw new Error(`expected 50 deltas, got ${deltas}`);
}

const sdkNode = () => sdk(nodeModel);
const results: Record<string, number[]> = { plain: [], sdk: [], sdkNode: [] };
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, read] of (round % 2
    ? [
        ["sdkNode", sdkNode],
        ["sdk", sdk],
        ["plain", plain],
      ]
    : [
        ["plain", plain],
        ["sdk", sdk],
        ["sdkNode", sdkNode],
      ]) as [string, () => Promise<void>][]) {
    const before = process.cpuUsage();
    const all: Promise<void>[] = [];
    for (let i = 0; i < N; i++) {
      all.push(read());
      await new Promise((r) => setTimeout(r, 1000 / RATE));
    }
    await Promise.all(all);
    const used = process.cpuUsage(before);
    results[name]!.push((used.user + used.system) / 1000 / N);
  }
}
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(", ");
console.log(`CPU ms per 50-token paced stream, ${N} streams at ${RATE}/s per round, ${ROUNDS} rounds`);
console.log(`| plain fetch | ${fmt(results.plain!)} |`);
console.log(`| @ai-sdk/openai doStream | ${fmt(results.sdk!)} |`);
console.log(`| doStream, lib/llm/http-fetch | ${fmt(results.sdkNode!)} |`);
process.exit(0);
