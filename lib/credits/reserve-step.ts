import { getDb } from "@/db";
import { extendRunReservation } from "@/db/queries/run-ledger";
import type { RunPrice } from "@/db/schema";
import { newId } from "@/lib/ids";
import { tokensFor } from "./pricing";
import { reservationFor } from "./reservation";

/**
 * Reserves a multi-step run's next step before it starts (lib/credits/README.md, 12): its worst
 * case — the step's whole prompt (tool results included) reserved like a run's input, plus as many
 * output tokens as fit up to `maxOutputTokens` — at the dearest price of the models it may call,
 * less the `slack` the run still holds. Never waits for credits held elsewhere: a run that cannot
 * afford its next step ends with what it has (null).
 */
export async function reserveStep(o: {
  runId: string;
  step: number;
  slack: number;
  reservePrice: RunPrice;
  promptText: string;
  maxOutputTokens: number;
  steps: unknown[];
  /** A stream token's max_credits less what the run's steps cost so far: the most this step may reserve. */
  budget?: number | null;
}): Promise<{ extra: number; maxOutputTokens: number; inputTokensEstimate: number } | null> {
  const { inputCost, outputPerM, inputTokensEstimate } = reservationFor(o.reservePrice, o.promptText);
  let maxOutputTokens = o.maxOutputTokens;
  if (o.budget != null) {
    // The token's ceiling holds for the whole run: its steps together never reserve more.
    maxOutputTokens = Math.min(maxOutputTokens, tokensFor(o.budget - inputCost, outputPerM));
    if (maxOutputTokens < 1) return null;
  }
  const r = await extendRunReservation(await getDb(), {
    runId: o.runId,
    ledgerId: newId.ledger(),
    step: o.step,
    slack: Math.max(0, o.slack),
    inputCost,
    outputPerM,
    maxOutputTokens,
    steps: o.steps,
  });
  return r && { ...r, inputTokensEstimate };
}
