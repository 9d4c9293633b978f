import type { DbOrTx } from "@/db";
import { AppError } from "@/lib/errors";
import { getModelInfo } from "@/lib/llm/models";
import { applyLedgerEntry } from "./ledger";

/** A deliberately generous input-token estimate (bytes / 2): over-reserving is released at settle. */
export function estimateInputTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text) / 2) + 8;
}

/**
 * Reserves what the run may cost — its input estimate plus up to `maxOutputTokens` — out of the
 * available balance, and caps the output by what could be reserved. Concurrent runs therefore
 * cannot jointly spend more than the balance. 402 when not even one output token fits.
 */
export async function reserveCredits(
  tx: DbOrTx,
  { orgId, runId, modelId, promptText, maxOutputTokens }: {
    orgId: string; runId: string; modelId: string; promptText: string; maxOutputTokens: number;
  },
): Promise<{ reserved: number; maxOutputTokens: number }> {
  const { price } = getModelInfo(modelId);
  const inputCost = estimateInputTokens(promptText) * price.input;
  let granted = 0;
  const res = await applyLedgerEntry(tx, { orgId, runId, kind: "reserve", idempotencyKey: `reserve:${runId}` }, (balance) => {
    const affordable = Math.floor((balance - inputCost) / price.output);
    if (affordable < 1) throw new AppError("invalid_billing");
    granted = Math.min(maxOutputTokens, affordable);
    return -(inputCost + granted * price.output);
  });
  if (!res) throw new AppError("internal_server_error", "Run reserved twice");
  return { reserved: -res.amount, maxOutputTokens: granted };
}
