import "server-only";
import { getBackgroundDb } from "@/db";
import { getBudgetRow } from "@/db/queries/budgets";
import { sweepMissedBudgetAlerts } from "@/db/queries/budget-usage";
import { deleteJob } from "@/db/queries/jobs";
import type { Job } from "@/db/schema";
import { budgetLabel } from "@/lib/credits/budgets";
import { noticeBudgetCrossed } from "@/lib/notices/send-notice";
import { logger } from "@/lib/logger";
import { kickJobs, type JobHandler } from "@/lib/queue/worker";
import { emitWebhookEvent } from "@/lib/webhooks/emit-event";

// A budget's alert threshold was reached (recorded once per budget, period, subject and threshold
// by db/queries/budget-usage.ts queueBudgetAlerts, with this job): the webhook event
// `budget.threshold` to the org's endpoints that want it, and a mail to its owners and admins
// (lib/notices, topic "budgets"), committed with the job's removal — so each goes out once.

/**
 * The periodic pass (lib/server/boot.ts, once a minute): alerts whose threshold a settlement's
 * counters reached but that were never queued (the process died between the settlement's commit
 * and queueBudgetAlerts) are queued now, each once. Returns how many.
 */
export async function sweepBudgetAlerts(o?: { limit?: number }): Promise<number> {
  const n = await sweepMissedBudgetAlerts(await getBackgroundDb(), o);
  if (n) {
    logger.info("budget alerts missed by a settlement queued by the sweep", { count: n });
    kickJobs();
  }
  return n;
}

export const budgetAlertJobHandler = (): JobHandler => ({ handle: sendBudgetAlert, concurrency: 2, leaseMs: 60_000 });

type AlertPayload = {
  org_id: string;
  budget_id: string;
  period_start: string;
  subject: string;
  threshold: number;
  spent: number;
  exhausted?: boolean;
};

async function sendBudgetAlert(job: Job) {
  const p = job.payload as AlertPayload;
  const db = await getBackgroundDb();
  const queued = await db.transaction(async (tx) => {
    const budget = await getBudgetRow(tx, { orgId: p.org_id, budgetId: p.budget_id });
    let n = 0;
    // A budget deleted since has nothing left to say.
    if (budget) {
      const data = {
        budget_id: budget.id,
        name: budget.name,
        scope: budget.scope,
        period: budget.period,
        period_start: new Date(p.period_start).toISOString(),
        // The end user, workflow or key the counter belongs to (null for an org budget).
        subject: budget.scope === "org" ? null : p.subject,
        workflow_id: budget.workflowId,
        api_key_id: budget.apiKeyId,
        threshold: p.threshold,
        credits: budget.credits,
        spent: p.spent,
        // The budget refused a run (what was left could not pay one): every threshold up to 100% is reached.
        exhausted: p.exhausted ?? false,
      };
      n += await emitWebhookEvent(tx, { orgId: p.org_id, type: "budget.threshold", data });
      const who = budget.scope === "org" ? "" : ` (${budget.scope.replace("_", " ")} ${p.subject})`;
      n += await noticeBudgetCrossed({ orgId: p.org_id, budgetName: `${budgetLabel(budget)}${who}`, percent: p.threshold }, tx);
    }
    await deleteJob(tx, job.id);
    return n;
  });
  if (queued) kickJobs();
}
