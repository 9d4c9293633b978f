import type { RunPrice } from "@/db/schema";
import type { CallResult } from "@/lib/llm/call-with-retries";
import type { EngineResult } from "@/lib/llm/engine";
import { canonicalModelId } from "@/lib/llm/model-id";
import { DEFAULT_PRICE } from "@/lib/llm/prices";
import { costOf } from "./pricing";

/**
 * What a finished run is charged for: the call that produced the answer (its usage, at its model's
 * reserved price) plus the input tokens earlier failed calls were billed for by their provider.
 */
export function chargedCalls(run: { model: string; prices: Record<string, RunPrice> }, result: EngineResult & Partial<CallResult>) {
  const priceOf = (model: string) => run.prices[model] ?? DEFAULT_PRICE;
  const calls = (result.attempts ?? []).filter((a) => a.status !== "skipped");
  const earlier = calls.slice(0, -1).map((a) => ({ price: priceOf(a.model), inputTokens: a.input_tokens, outputTokens: a.output_tokens }));
  return [...earlier, { price: priceOf(result.model ?? canonicalModelId(run.model)), ...result.usage }];
}

/** The credits a finished run is charged: its calls at the prices reserved (lib/credits/README.md). */
export function chargeFor(run: { model: string; prices: Record<string, RunPrice> }, result: EngineResult & Partial<CallResult>): number {
  return costOf(chargedCalls(run, result));
}
