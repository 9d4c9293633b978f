import type { RunPrice } from "@/db/schema";
import { creditsFor, tokensFor } from "./pricing";

/** A deliberately generous input-token estimate (bytes / 2): over-reserving is released at settle. */
export function estimateInputTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text) / 2) + 8;
}

/**
 * What a run must reserve before it starts: its input estimate, plus a price per 1M output tokens —
 * the database grants as many output tokens as the balance allows (see db/queries/run-ledger.ts).
 */
export function reservationFor(price: RunPrice, promptText: string) {
  const inputTokensEstimate = estimateInputTokens(promptText);
  return { inputTokensEstimate, inputCost: creditsFor(inputTokensEstimate, price.input), outputPerM: price.output };
}

/**
 * The balance cannot cover the run now, but runs of the org in flight hold enough credits that it
 * will (at worst once they settle). Not a 402: startRun waits for a settlement and tries again.
 */
export class CreditsHeldError extends Error {
  constructor() {
    super("credits are held by runs in flight");
    this.name = "CreditsHeldError";
  }
}

/**
 * When the full worst case did not fit: how many output tokens to reserve, decided under the org
 * lock from the balance and what the org's runs in flight hold (`held`).
 * - it fits once the runs in flight settle → "wait" (don't truncate or refuse a run the org can pay for);
 * - the org is genuinely short but input + ≥ 1 output token fits → reserve that many (output capped);
 * - not even that, counting what is held → "wait" if held credits could cover it, else "refuse" (402).
 */
export function decideShortReservation({ balance, held, inputCost, outputPerM, maxOutputTokens }: {
  balance: number; held: number; inputCost: number; outputPerM: number; maxOutputTokens: number;
}): { grant: number } | "wait" | "refuse" {
  const full = inputCost + creditsFor(maxOutputTokens, outputPerM);
  if (balance >= full) return { grant: maxOutputTokens };
  if (balance + held >= full) return "wait";
  const affordable = tokensFor(balance - inputCost, outputPerM);
  if (affordable >= 1) return { grant: Math.min(maxOutputTokens, affordable) };
  return balance + held >= inputCost + creditsFor(1, outputPerM) ? "wait" : "refuse";
}
