import type { DbOrTx } from "@/db";
import { sumHeldCredits } from "@/db/queries/runs";
import { AppError } from "@/lib/errors";
import { getModelInfo } from "@/lib/llm/models";
import { applyLedgerEntry } from "./ledger";

/** A deliberately generous input-token estimate (bytes / 2): over-reserving is released at settle. */
export function estimateInputTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text) / 2) + 8;
}

/**
 * The balance cannot cover the run now, but other runs of the org in flight hold enough credits
 * that it will (at worst, once they settle). Not a 402: the caller waits for a settlement and
 * tries again (see startRun).
 */
export class CreditsHeldError extends Error {
  constructor() {
    super("credits are held by runs in flight");
    this.name = "CreditsHeldError";
  }
}

/**
 * Reserves what the run may cost — its input estimate plus up to `maxOutputTokens` — out of the
 * available balance. Concurrent runs therefore cannot jointly spend more than the balance.
 *
 * - the full worst case fits → reserve it;
 * - it would fit once the org's runs in flight settle → CreditsHeldError (wait, don't truncate
 *   or refuse a run the org can pay for);
 * - the org is genuinely short, but input + at least one output token fits → reserve what fits
 *   and cap the run's output by it;
 * - not even that fits, counting what runs in flight hold → 402.
 */
export async function reserveCredits(
  tx: DbOrTx,
  { orgId, runId, modelId, promptText, maxOutputTokens }: {
    orgId: string; runId: string; modelId: string; promptText: string; maxOutputTokens: number;
  },
): Promise<{ reserved: number; maxOutputTokens: number }> {
  const { price } = getModelInfo(modelId);
  const inputCost = estimateInputTokens(promptText) * price.input;
  const full = inputCost + maxOutputTokens * price.output;
  const least = inputCost + price.output;
  let granted = 0;
  const res = await applyLedgerEntry(tx, { orgId, runId, kind: "reserve", idempotencyKey: `reserve:${runId}` }, async (balance) => {
    // Only read when the balance falls short, and under the org lock, so it cannot race a settle.
    let held: number | undefined;
    const withHeld = async () => balance + (held ??= await sumHeldCredits(tx, orgId));
    if (balance < full && (await withHeld()) >= full) throw new CreditsHeldError();
    const affordable = Math.floor((balance - inputCost) / price.output);
    if (affordable < 1) throw (await withHeld()) >= least ? new CreditsHeldError() : new AppError("invalid_billing");
    granted = Math.min(maxOutputTokens, affordable);
    return -(inputCost + granted * price.output);
  });
  if (!res) throw new AppError("internal_server_error", "Run reserved twice");
  return { reserved: -res.amount, maxOutputTokens: granted };
}
