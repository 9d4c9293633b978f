import type { BudgetKey, RunPrice } from "@/db/schema";
import { estimateTokens } from "@/lib/llm/estimate-tokens";
import { creditsFor, tokensFor } from "./pricing";

/**
 * The input tokens a run reserves: twice the estimate, plus the messages' framing, because a real
 * tokenizer can need more than the estimate (code, rare scripts) and a provider-reported overshoot
 * is taken from the balance. The unused part comes back at settle.
 */
export function reservedInputTokens(text: string): number {
  return 2 * estimateTokens(text) + 8;
}

/**
 * What a run must reserve before it starts: its input estimate, plus a price per 1M output tokens —
 * the database grants as many output tokens as the balance allows (see db/queries/run-ledger.ts).
 */
export function reservationFor(price: RunPrice, promptText: string) {
  // What a run that ends without the provider's count pays for its input (engine.ts): the plain
  // estimate, always within the reserved input, so that settlement never exceeds the reservation.
  const inputTokensEstimate = estimateTokens(promptText);
  return { inputTokensEstimate, inputCost: creditsFor(reservedInputTokens(promptText), price.input), outputPerM: price.output };
}

/**
 * The balance cannot cover the run now, but runs of the org in flight hold enough credits that it
 * will (at worst once they settle). Not a 402: reserveRun waits for a settlement and tries again.
 */
export class CreditsHeldError extends Error {
  /** A budget's runs in flight are what the run waits for: at the deadline, that budget refuses it. */
  readonly budget: BudgetRef | undefined;
  constructor(budget?: BudgetRef) {
    super("credits are held by runs in flight");
    this.name = "CreditsHeldError";
    this.budget = budget;
  }
}

/** A budget as a refusal names it. */
export type BudgetRef = { id: string; name: string | null; scope: string; period: string; key?: BudgetKey };

/**
 * When the full worst case did not fit: how many output tokens to reserve, decided under the org
 * lock from the balance and what the org's runs in flight hold (`held`).
 * - it fits once the runs in flight settle → "wait" (don't truncate or refuse a run the org can pay for);
 * - the org is genuinely short but input + ≥ 1 output token fits → reserve that many (output capped);
 * - not even that, counting what is held → "wait" if held credits could cover it, else "refuse" (402).
 */
export function decideShortReservation({
  balance,
  held,
  inputCost,
  outputPerM,
  maxOutputTokens,
}: {
  balance: number;
  held: number;
  inputCost: number;
  outputPerM: number;
  maxOutputTokens: number;
}): { grant: number } | "wait" | "refuse" {
  const full = inputCost + creditsFor(maxOutputTokens, outputPerM);
  // Below zero (a refund after the credits were spent): nothing runs until the balance is back.
  if (balance < 0) return balance + held >= Math.max(full, 0) ? "wait" : "refuse";
  if (balance >= full) return { grant: maxOutputTokens };
  if (balance + held >= full) return "wait";
  const affordable = tokensFor(balance - inputCost, outputPerM);
  if (affordable >= 1) return { grant: Math.min(maxOutputTokens, affordable) };
  return balance + held >= inputCost + creditsFor(1, outputPerM) ? "wait" : "refuse";
}
