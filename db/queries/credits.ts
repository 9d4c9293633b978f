import { and, desc, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { creditLedger, type LedgerKind } from "../schema";

export async function insertLedgerEntry(
  tx: DbOrTx,
  values: {
    id: string;
    orgId: string;
    runId?: string | null;
    kind: LedgerKind;
    amount: number;
    balanceAfter: number;
    idempotencyKey?: string | null;
    note?: string;
  },
) {
  const [row] = await tx.insert(creditLedger).values(values).returning();
  return row!;
}

export async function sumLedger(tx: DbOrTx, orgId: string) {
  const [row] = await tx
    .select({ total: sql<string>`coalesce(sum(${creditLedger.amount}), 0)` })
    .from(creditLedger)
    .where(eq(creditLedger.orgId, orgId));
  return Number(row?.total ?? 0);
}

export async function listLedger(tx: DbOrTx, { orgId, runId, limit = 100 }: { orgId: string; runId?: string; limit?: number }) {
  return tx
    .select()
    .from(creditLedger)
    .where(runId ? and(eq(creditLedger.orgId, orgId), eq(creditLedger.runId, runId)) : eq(creditLedger.orgId, orgId))
    .orderBy(desc(creditLedger.createdAt))
    .limit(limit);
}
