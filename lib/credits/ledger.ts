import "server-only";
import type { DbOrTx } from "@/db";
import { findLedgerEntryByKey, insertLedgerEntry } from "@/db/queries/credits";
import { lockOrgBalance, setOrgBalance } from "@/db/queries/orgs";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import type { LedgerKind } from "@/db/schema";

/**
 * The one way a balance changes: lock the org row, insert the ledger entry, write the balance —
 * all inside the caller's transaction. `delta(balance)` decides the amount under the lock.
 * With an idempotency key, a second call is a no-op that returns null.
 */
export async function applyLedgerEntry(
  tx: DbOrTx,
  entry: { orgId: string; runId?: string | null; kind: LedgerKind; idempotencyKey?: string; note?: string },
  delta: (balance: number) => number,
): Promise<{ amount: number; balanceAfter: number } | null> {
  const balance = await lockOrgBalance(tx, entry.orgId);
  if (balance === undefined) throw new AppError("not_found", "Organization not found");
  if (entry.idempotencyKey && (await findLedgerEntryByKey(tx, entry.idempotencyKey))) return null;
  const amount = delta(balance);
  const balanceAfter = balance + amount;
  if (balanceAfter < 0) throw new AppError("invalid_billing");
  await insertLedgerEntry(tx, {
    id: newId.ledger(), orgId: entry.orgId, runId: entry.runId ?? null, kind: entry.kind, amount, balanceAfter,
    idempotencyKey: entry.idempotencyKey ?? null, note: entry.note ?? "",
  });
  await setOrgBalance(tx, entry.orgId, balanceAfter);
  return { amount, balanceAfter };
}
