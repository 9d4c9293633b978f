import "server-only";
import { getBackgroundDb } from "@/db";
import { finalizeRunWithSettlement, type RunFinish, type Settled } from "@/db/queries/run-ledger";
import { newId } from "@/lib/ids";
import { settleRun, settlementCommitted } from "./settle-queue";

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
  orgId: string, runId: string,
  o: { status: "canceled" | "failed"; errorCode: string; errorMessage: string; from?: "queued"; latencyMs: number | null },
): Promise<Settled | null> {
  return settle(orgId, {
    runId, ledgerId: newId.ledger(), status: o.status, cost: 0, output: "", citations: [], inputTokens: 0, outputTokens: 0,
    errorCode: o.errorCode, errorMessage: o.errorMessage, firstTokenMs: null, latencyMs: o.latencyMs, ...(o.from ? { from: o.from } : {}),
  });
}

/**
 * A run whose process died (the sweeper's): failed with `orphaned`, its reservation released.
 * What it produced before the crash is unknown, so nothing is charged.
 */
export function settleOrphan(orgId: string, runId: string): Promise<Settled | null> {
  return settle(orgId, {
    runId, ledgerId: newId.ledger(), status: "failed", cost: 0, output: "", citations: [],
    inputTokens: 0, outputTokens: 0, errorCode: "orphaned", errorMessage: "The server running this run stopped before it finished",
    firstTokenMs: null, latencyMs: null,
  });
}
