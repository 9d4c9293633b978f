import "server-only";
import type { DbOrTx } from "@/db";
import { insertLedgerEntry } from "@/db/queries/credits";
import { lockOrgBalance, setOrgBalance } from "@/db/queries/orgs";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { LedgerKind } from "@/db/schema";

/**
 * The one way a balance changes: lock the org row, insert the ledger entry, write the balance —
 * all inside the caller's transaction. `delta(balance)` decides the amount under the lock. For
 * grants and adjustments; a run's reservation and settlement are single statements of their own
 * (db/queries/run-ledger.ts), made exactly-once by the run row's status and their unique
 * `reserve:` / `settle:` ledger keys.
 */
export async function applyLedgerEntry(
  tx: DbOrTx,
  entry: { orgId: string; kind: LedgerKind; note?: string },
  delta: (balance: number) => number,
): Promise<{ amount: number; balanceAfter: number }> {
  const balance = await lockOrgBalance(tx, entry.orgId);
  if (balance === undefined) throw new AppError("not_found", "Organization not found");
  const amount = delta(balance);
  const balanceAfter = balance + amount;
  if (balanceAfter < 0) throw new AppError("invalid_billing");
  await insertLedgerEntry(tx, {
    id: newId.ledger(),
    orgId: entry.orgId,
    kind: entry.kind,
    amount,
    balanceAfter,
    note: entry.note ?? "",
  });
  await setOrgBalance(tx, entry.orgId, balanceAfter);
  return { amount, balanceAfter };
}
