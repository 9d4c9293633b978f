import { getModelInfo } from "@/lib/llm/models";

/** A deliberately generous input-token estimate (bytes / 2): over-reserving is released at settle. */
export function estimateInputTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text) / 2) + 8;
}

/**
 * What a run must reserve before it starts: its input estimate, plus a price per output token —
 * the database grants as many output tokens as the balance allows (see db/queries/run-ledger.ts).
 */
export function reservationFor(modelId: string, promptText: string) {
  const { price } = getModelInfo(modelId);
  const inputTokensEstimate = estimateInputTokens(promptText);
  return { inputTokensEstimate, inputCost: inputTokensEstimate * price.input, outputPrice: price.output };
}
