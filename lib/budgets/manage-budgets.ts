import "server-only";
import { getDb } from "@/db";
import {
  budgetUsageIn,
  countBudgets,
  deleteBudgetRow,
  getBudgetRow,
  insertBudget,
  keyOfOrg,
  listBudgetRows,
  updateBudgetRow,
  workflowOfOrg,
} from "@/db/queries/budgets";
import { lockOrgBalance } from "@/db/queries/orgs";
import { MAX_BUDGETS_PER_ORG, type Budget } from "@/db/schema";
import { recordAudit } from "@/lib/audit/record-audit";
import { capPeriodStart } from "@/lib/credits/key-cap";
import { AppError } from "@/lib/errors";
import { isId, newId } from "@/lib/ids";
import type { BudgetView, CreateBudgetBody, UpdateBudgetBody } from "./schemas";

// Budgets of an org (lib/credits/README.md, "Budgets"): the management API, the dashboard and the
// admin CLI all come here. Every change locks the org row first, as the reservation does: a run
// being reserved sees a budget entirely or not at all, and the count of budgets cannot race past
// MAX_BUDGETS_PER_ORG.

type Actor = { orgId: string; actorId: string | null };

export async function listBudgets(orgId: string): Promise<BudgetView[]> {
  const db = await getDb();
  const rows = await listBudgetRows(db, orgId);
  return viewsOf(rows);
}

export async function getBudget(orgId: string, budgetId: string): Promise<BudgetView> {
  const db = await getDb();
  const row = isId.budget(budgetId) ? await getBudgetRow(db, { orgId, budgetId }) : undefined;
  if (!row) throw new AppError("not_found", "Budget not found");
  return (await viewsOf([row]))[0]!;
}

export async function createBudget({ orgId, actorId }: Actor, body: CreateBudgetBody): Promise<BudgetView> {
  const db = await getDb();
  const id = newId.budget();
  await db.transaction(async (tx) => {
    if ((await lockOrgBalance(tx, orgId)) === undefined) throw new AppError("not_found", "Organization not found");
    if ((await countBudgets(tx, orgId)) >= MAX_BUDGETS_PER_ORG)
      throw new AppError("invalid_request", `An organization may have at most ${MAX_BUDGETS_PER_ORG} budgets`);
    const workflowId = body.workflow_id ?? null;
    const apiKeyId = body.api_key_id ?? null;
    if (workflowId && !(await workflowOfOrg(tx, { orgId, workflowId })))
      throw new AppError("invalid_request", "workflow_id: no such workflow");
    if (apiKeyId && !(await keyOfOrg(tx, { orgId, keyId: apiKeyId }))) throw new AppError("invalid_request", "api_key_id: no such key");
    const alertAt = [...new Set(body.alert_at ?? [])].sort((a, b) => a - b);
    await insertBudget(tx, {
      id,
      orgId,
      name: body.name ?? null,
      scope: body.scope,
      credits: body.credits,
      period: body.period,
      workflowId,
      apiKeyId,
      alertAt,
    });
    await recordAudit(tx, {
      orgId,
      actorId,
      action: "budget.create",
      targetId: id,
      details: { scope: body.scope, credits: body.credits, period: body.period, workflow_id: workflowId, api_key_id: apiKeyId },
    });
  });
  return getBudget(orgId, id);
}

export async function updateBudget({ orgId, actorId }: Actor, budgetId: string, body: UpdateBudgetBody): Promise<BudgetView> {
  if (!isId.budget(budgetId)) throw new AppError("not_found", "Budget not found");
  const db = await getDb();
  await db.transaction(async (tx) => {
    await lockOrgBalance(tx, orgId);
    const set: Partial<Pick<Budget, "name" | "credits" | "alertAt">> = {};
    if (body.name !== undefined) set.name = body.name;
    if (body.credits !== undefined) set.credits = body.credits;
    if (body.alert_at !== undefined) set.alertAt = [...new Set(body.alert_at)].sort((a, b) => a - b);
    if (!(await updateBudgetRow(tx, { orgId, budgetId }, set))) throw new AppError("not_found", "Budget not found");
    await recordAudit(tx, { orgId, actorId, action: "budget.update", targetId: budgetId, details: { ...body } });
  });
  return getBudget(orgId, budgetId);
}

export async function deleteBudget({ orgId, actorId }: Actor, budgetId: string): Promise<void> {
  if (!isId.budget(budgetId)) throw new AppError("not_found", "Budget not found");
  const db = await getDb();
  await db.transaction(async (tx) => {
    await lockOrgBalance(tx, orgId);
    if (!(await deleteBudgetRow(tx, { orgId, budgetId }))) throw new AppError("not_found", "Budget not found");
    await recordAudit(tx, { orgId, actorId, action: "budget.delete", targetId: budgetId });
  });
}

async function viewsOf(rows: Budget[]): Promise<BudgetView[]> {
  const db = await getDb();
  const now = new Date();
  const periods = rows.map((b) => ({ budgetId: b.id, periodStart: capPeriodStart(b.period, now) }));
  const usage = await budgetUsageIn(db, periods);
  return rows.map((b, i) => {
    const u = usage.get(b.id)!;
    return {
      id: b.id,
      name: b.name,
      scope: b.scope,
      credits: b.credits,
      period: b.period,
      workflow_id: b.workflowId,
      api_key_id: b.apiKeyId,
      alert_at: b.alertAt,
      created_at: b.createdAt.toISOString(),
      usage: {
        period_start: periods[i]!.periodStart.toISOString(),
        spent: u.spent,
        held: Math.max(0, u.used - u.spent),
        top: b.scope === "org" ? [] : u.top.map((t) => ({ subject: t.subject, spent: t.spent, held: Math.max(0, t.used - t.spent) })),
      },
    };
  });
}
