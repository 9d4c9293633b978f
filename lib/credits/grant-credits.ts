import { getDb } from "@/db";
import { AppError } from "@/lib/errors";
import { applyLedgerEntry } from "./ledger";

/** Adds (or, with a negative amount, removes) credits; never below zero. */
export async function grantCredits({ orgId, amount, note }: { orgId: string; amount: number; note?: string }) {
  if (!Number.isSafeInteger(amount) || amount === 0) throw new AppError("invalid_request", "amount must be a non-zero integer");
  const db = await getDb();
  return db.transaction((tx) =>
    applyLedgerEntry(tx, { orgId, kind: amount > 0 ? "grant" : "adjust", note: note ?? "" }, () => amount),
  );
}
