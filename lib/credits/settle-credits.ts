import type { DbOrTx } from "@/db";
import { applyLedgerEntry } from "./ledger";

/**
 * Settles a finished run exactly once: returns the unused part of the reservation, or takes the
 * overshoot (input tokens above the estimate) from the balance — never below zero. The returned
 * `charged` is what the run finally cost.
 */
export async function settleCredits(
  tx: DbOrTx,
  { orgId, runId, reserved, cost }: { orgId: string; runId: string; reserved: number; cost: number },
): Promise<{ charged: number } | null> {
  let charged = cost;
  const res = await applyLedgerEntry(
    tx,
    { orgId, runId, kind: cost === 0 ? "release" : "settle", idempotencyKey: `settle:${runId}` },
    (balance) => {
      charged = Math.min(cost, reserved + balance);
      return reserved - charged;
    },
  );
  return res ? { charged } : null;
}
