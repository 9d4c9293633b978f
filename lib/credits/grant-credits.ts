import "server-only";
import { getDb } from "@/db";
import { AppError } from "@/lib/errors";
import { applyLedgerEntry } from "./ledger";
import { creditsReleased } from "./wait-for-credits";

/** Adds (or, with a negative amount, removes) credits; never below zero. */
export async function grantCredits({ orgId, amount, note }: { orgId: string; amount: number; note?: string }) {
  if (!Number.isSafeInteger(amount) || amount === 0) throw new AppError("invalid_request", "amount must be a non-zero integer");
  const db = await getDb();
  const res = await db.transaction((tx) =>
    applyLedgerEntry(tx, { orgId, kind: amount > 0 ? "grant" : "adjust", note: note ?? "" }, () => amount),
  );
  if (amount > 0) creditsReleased(orgId);
  return res;
}
