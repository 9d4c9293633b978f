import "server-only";
import { getBackgroundDb } from "@/db";
import { finalizeRunWithSettlement, resettleClaimedRun, type RunFinish, type Settled } from "@/db/queries/run-ledger";
import type { RunPrice } from "@/db/schema";
import { newId } from "@/lib/ids";
import { canonicalModelId } from "@/lib/llm/model-id";
import { DEFAULT_PRICE } from "@/lib/llm/prices";
import { costOf } from "./pricing";
import { creditsReleased } from "./wait-for-credits";
import { budgetsSettled, settleRun, settlementCommitted } from "./settle-queue";

// The one way a run's final state and its charge are written (lib/credits/README.md): a run that
// finished (through the settle queue), a queued run canceled or failed before it started, and
// the sweeper's orphans. Each is one statement, exactly once; whoever comes second gets null.

/**
 * Settles a run: `reserved` given, through the settle queue (batched with this process's other
 * settlements); otherwise alone. Then what follows any commit (waiters for credits, webhooks).
 */
export async function settle(orgId: string, f: RunFinish, o: { reserved?: number } = {}): Promise<Settled | null> {
  const settled = o.reserved !== undefined ? await settleRun(f, o.reserved) : await finalizeRunWithSettlement(await getBackgroundDb(), f);
  if (settled) settlementCommitted(orgId, settled);
  return settled;
}

/** A run that never reached a provider (canceled while queued, its model gone when it started): it pays nothing. */
export function settleUnstarted(
  orgId: string,
  runId: string,
  o: { status: "canceled" | "failed"; errorCode: string; errorMessage: string; from?: "queued"; latencyMs: number | null },
): Promise<Settled | null> {
  return settle(orgId, {
    runId,
    ledgerId: newId.ledger(),
    status: o.status,
    cost: 0,
    output: "",
    citations: [],
    inputTokens: 0,
    outputTokens: 0,
    errorCode: o.errorCode,
    errorMessage: o.errorMessage,
    firstTokenMs: null,
    latencyMs: o.latencyMs,
    ...(o.from ? { from: o.from } : {}),
  });
}

/** What the sweeper knows of a run whose lease expired: its row as its instance last saved it. */
export type OrphanRow = {
  id: string;
  orgId: string;
  model: string;
  prices: Record<string, RunPrice> | null;
  sentAt: Date | null;
  sentModel: string | null;
  inputTokens: number;
  outputTokens: number;
  output: string;
  /** A multi-step run's recorded steps: already charged in full (the progress columns describe the step after them). */
  steps?: Array<{ credits: number; input_tokens: number; output_tokens: number }> | null;
};

/**
 * What an orphan provably used (lib/credits/README.md, orphans): once its request reached the
 * provider (sent_at), the input it was charged without a count, and the output tokens its
 * instance recorded; before that, nothing.
 */
export function orphanCharge(run: OrphanRow): { cost: number; inputTokens: number; outputTokens: number } {
  // The steps a multi-step run recorded cost what they were charged; the in-flight step pays as a plain run would.
  const done = (run.steps ?? []).reduce(
    (a, s) => ({ cost: a.cost + s.credits, inputTokens: a.inputTokens + s.input_tokens, outputTokens: a.outputTokens + s.output_tokens }),
    { cost: 0, inputTokens: 0, outputTokens: 0 },
  );
  if (!run.sentAt) return done;
  const model = run.sentModel ?? canonicalModelId(run.model);
  const price = run.prices?.[model] ?? DEFAULT_PRICE;
  const inputTokens = run.inputTokens;
  const outputTokens = run.outputTokens;
  return {
    cost: done.cost + costOf([{ price, inputTokens, outputTokens }]),
    inputTokens: done.inputTokens + inputTokens,
    outputTokens: done.outputTokens + outputTokens,
  };
}

/**
 * The sweeper's settlement of a run whose lease expired: failed `orphaned`, charged what it
 * provably used, its saved output kept, its fencing epoch moved on. Provisional: when its instance
 * was only unresponsive, that instance's own finish later replaces it (settleClaimed).
 */
export function settleOrphan(run: OrphanRow): Promise<Settled | null> {
  const used = orphanCharge(run);
  return settle(run.orgId, {
    runId: run.id,
    ledgerId: newId.ledger(),
    status: "failed",
    cost: used.cost,
    output: run.output,
    citations: [],
    inputTokens: used.inputTokens,
    outputTokens: used.outputTokens,
    errorCode: "orphaned",
    errorMessage: "The server running this run stopped before it finished",
    firstTokenMs: null,
    latencyMs: null,
    claim: true,
  });
}

/**
 * The owner's finish of a run the sweeper claimed meanwhile (its instance was frozen, not dead):
 * its real final state and charge replace the provisional ones, with one more ledger entry for
 * the difference. Null when the sweeper had not claimed it (someone else finished it).
 */
export async function settleClaimed(orgId: string, f: RunFinish): Promise<Settled | null> {
  const settled = await resettleClaimedRun(await getBackgroundDb(), f);
  if (settled) creditsReleased(orgId);
  if (settled?.budgetKeys) budgetsSettled(orgId, settled.budgetKeys);
  return settled;
}
