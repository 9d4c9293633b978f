import "server-only";
import { getDb } from "@/db";
import { listBudgetRows } from "@/db/queries/budgets";
import { AppError } from "@/lib/errors";
import { createBudget, updateBudget } from "./manage-budgets";
import { createBudgetBody, type BudgetView } from "./schemas";

/**
 * `npm run admin -- budget set`: the org's budget with this scope, period and filters gets the
 * new amount (and name and alerts, when given); without one, it is created.
 */
export async function setBudgetFromCli(orgId: string, raw: Record<string, unknown>): Promise<BudgetView> {
  const parsed = createBudgetBody.safeParse(Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new AppError(
      "invalid_request",
      `--${String(issue.path[0] ?? "")
        .replace("_id", "")
        .replace("_", "-")}: ${issue.message}`,
    );
  }
  const body = parsed.data;
  const same = (await listBudgetRows(await getDb(), orgId)).find(
    (b) =>
      b.scope === body.scope &&
      b.period === body.period &&
      b.workflowId === (body.workflow_id ?? null) &&
      b.apiKeyId === (body.api_key_id ?? null),
  );
  const actor = { orgId, actorId: null };
  if (!same) return createBudget(actor, body);
  return updateBudget(actor, same.id, {
    credits: body.credits,
    ...(body.name !== undefined ? { name: body.name } : {}),
    ...(body.alert_at !== undefined ? { alert_at: body.alert_at } : {}),
  });
}
