import { expect } from "vitest";
import { getDb } from "@/db";
import { sumLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";

/**
 * The org's balance equals the sum of its ledger (lib/credits/README.md, invariant 1), and, when
 * `expected` is given, is exactly that. Returns the balance.
 */
export async function expectLedgerEqualsBalance(orgId: string, expected?: number): Promise<number> {
  const db = await getDb();
  const balance = (await getOrg(db, orgId))!.creditBalance;
  expect(await sumLedger(db, orgId)).toBe(balance);
  if (expected !== undefined) expect(balance).toBe(expected);
  return balance;
}
