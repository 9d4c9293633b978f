import type { RunPrice } from "@/db/schema";

// Prices are integer credits per 1,000,000 tokens (db/schema/model-prices.ts). Credits stay
// integers: a run's cost is rounded up once, over everything it used, and a reservation rounds up
// too, so what was reserved always covers what the reserved tokens cost.

export const TOKENS_PER_PRICE_UNIT = 1_000_000;

/** Credits for `tokens` at `perM` credits per 1M tokens, rounded up. */
export function creditsFor(tokens: number, perM: number): number {
  return Math.ceil((tokens * perM) / TOKENS_PER_PRICE_UNIT);
}

/** How many tokens `credits` pay for at `perM` (a free model: any number). */
export function tokensFor(credits: number, perM: number): number {
  if (perM <= 0) return Number.MAX_SAFE_INTEGER;
  return Math.floor((credits * TOKENS_PER_PRICE_UNIT) / perM);
}

/** The cost of some calls, each at its own model's price: ceil(Σ tokens × price / 1M). */
export function costOf(calls: Array<{ price: RunPrice; inputTokens: number; outputTokens: number }>): number {
  const micro = calls.reduce((sum, c) => sum + c.inputTokens * c.price.input + c.outputTokens * c.price.output, 0);
  return Math.ceil(micro / TOKENS_PER_PRICE_UNIT);
}
