import { and, asc, count, desc, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { apiKeys, budgets, budgetUsage, workflows, type Budget } from "../schema";

// Budgets' rows (lib/budgets). Their counters move only on the run's path (run-ledger.ts).

export async function listBudgetRows(tx: DbOrTx, orgId: string): Promise<Budget[]> {
  return tx.select().from(budgets).where(eq(budgets.orgId, orgId)).orderBy(asc(budgets.createdAt), asc(budgets.id));
}

export async function getBudgetRow(tx: DbOrTx, { orgId, budgetId }: { orgId: string; budgetId: string }): Promise<Budget | undefined> {
  const [row] = await tx
    .select()
    .from(budgets)
    .where(and(eq(budgets.orgId, orgId), eq(budgets.id, budgetId)))
    .limit(1);
  return row;
}

export async function countBudgets(tx: DbOrTx, orgId: string): Promise<number> {
  const [row] = await tx.select({ n: count() }).from(budgets).where(eq(budgets.orgId, orgId));
  return Number(row?.n ?? 0);
}

export async function insertBudget(tx: DbOrTx, values: typeof budgets.$inferInsert) {
  await tx.insert(budgets).values(values);
}

export async function updateBudgetRow(
  tx: DbOrTx,
  { orgId, budgetId }: { orgId: string; budgetId: string },
  set: Partial<Pick<Budget, "name" | "credits" | "alertAt">>,
): Promise<boolean> {
  const rows = await tx
    .update(budgets)
    .set({ ...set, updatedAt: new Date() })
    .where(and(eq(budgets.orgId, orgId), eq(budgets.id, budgetId)))
    .returning({ id: budgets.id });
  return rows.length > 0;
}

export async function deleteBudgetRow(tx: DbOrTx, { orgId, budgetId }: { orgId: string; budgetId: string }): Promise<boolean> {
  const rows = await tx
    .delete(budgets)
    .where(and(eq(budgets.orgId, orgId), eq(budgets.id, budgetId)))
    .returning({ id: budgets.id });
  return rows.length > 0;
}

export async function workflowOfOrg(tx: DbOrTx, { orgId, workflowId }: { orgId: string; workflowId: string }): Promise<boolean> {
  const [row] = await tx
    .select({ id: workflows.id })
    .from(workflows)
    .where(and(eq(workflows.orgId, orgId), eq(workflows.id, workflowId)))
    .limit(1);
  return !!row;
}

export async function keyOfOrg(tx: DbOrTx, { orgId, keyId }: { orgId: string; keyId: string }): Promise<boolean> {
  const [row] = await tx
    .select({ id: apiKeys.id })
    .from(apiKeys)
    .where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.id, keyId)))
    .limit(1);
  return !!row;
}

/** Each budget's current period: totals over its subjects, and its top subjects by spend. */
export async function budgetUsageIn(
  tx: DbOrTx,
  periods: Array<{ budgetId: string; periodStart: Date }>,
  top = 5,
): Promise<Map<string, { spent: number; used: number; top: Array<{ subject: string; spent: number; used: number }> }>> {
  const out = new Map<string, { spent: number; used: number; top: Array<{ subject: string; spent: number; used: number }> }>();
  for (const p of periods) out.set(p.budgetId, { spent: 0, used: 0, top: [] });
  if (!periods.length) return out;
  const match = (p: { budgetId: string; periodStart: Date }) =>
    and(eq(budgetUsage.budgetId, p.budgetId), eq(budgetUsage.periodStart, p.periodStart));
  const totals = await tx
    .select({
      budgetId: budgetUsage.budgetId,
      spent: sql<string>`COALESCE(SUM(${budgetUsage.spent}), 0)`,
      used: sql<string>`COALESCE(SUM(${budgetUsage.used}), 0)`,
    })
    .from(budgetUsage)
    .where(
      sql.join(
        periods.map((p) => sql`(${match(p)})`),
        sql` OR `,
      ),
    )
    .groupBy(budgetUsage.budgetId);
  for (const t of totals) Object.assign(out.get(t.budgetId)!, { spent: Number(t.spent), used: Number(t.used) });
  for (const p of periods) {
    const rows = await tx
      .select({ subject: budgetUsage.subject, spent: budgetUsage.spent, used: budgetUsage.used })
      .from(budgetUsage)
      .where(match(p))
      .orderBy(desc(budgetUsage.spent), desc(budgetUsage.used))
      .limit(top);
    out.get(p.budgetId)!.top = rows;
  }
  return out;
}
