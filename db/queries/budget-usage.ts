import { sql } from "drizzle-orm";
import type { DbOrTx } from "../index";
import type { BudgetKey, BudgetPeriod, BudgetScope } from "../schema";

// Budgets on the run's path (lib/credits/README.md, "Budgets"): which of an org's budgets a run
// counts against, and their counters. The reservation and settlement statements that move the
// counters are in run-ledger.ts; every write to a counter happens under the org row's lock.

function rowsOf(result: unknown): Record<string, unknown>[] {
  return Array.isArray(result) ? result : ((result as { rows?: Record<string, unknown>[] }).rows ?? []);
}

/** Who a run is, for budgets: its org, workflow, key and end user, and the current periods' starts (ISO, UTC). */
export type BudgetSubject = {
  orgId: string;
  workflowId: string;
  apiKeyId: string | null;
  endUser: string | null;
  periods: { day: string; month: string };
};

/**
 * The budgets a run counts against, as (id, credits, p: the period's start as ISO text, s: the
 * subject): every budget of the org whose filters match, for the run's own subject in its scope
 * (an end_user budget needs an end user, a key budget a key). One fragment for the reservation
 * statement and the slow path, so both decide the same.
 */
export const applicableBudgets = (r: BudgetSubject) => sql`
  SELECT b.id, b.credits, b.name, b.scope, b.period,
         CASE b.period WHEN 'day' THEN ${r.periods.day}::text ELSE ${r.periods.month}::text END AS p,
         CASE b.scope WHEN 'org' THEN '' WHEN 'workflow' THEN ${r.workflowId}::text WHEN 'key' THEN ${r.apiKeyId}::text ELSE ${r.endUser}::text END AS s
  FROM budgets b
  WHERE b.org_id = ${r.orgId}
    AND (b.workflow_id IS NULL OR b.workflow_id = ${r.workflowId}::text)
    AND (b.api_key_id IS NULL OR b.api_key_id = ${r.apiKeyId}::text)
    AND (b.scope <> 'key' OR ${r.apiKeyId}::text IS NOT NULL)
    AND (b.scope <> 'end_user' OR ${r.endUser}::text IS NOT NULL)`;

export type BudgetStanding = {
  id: string;
  name: string | null;
  scope: BudgetScope;
  period: BudgetPeriod;
  credits: number;
  key: BudgetKey;
  used: number;
  /** What runs in flight (running or queued) reserved against this counter. */
  held: number;
};

/**
 * Under the org row's lock (the caller's transaction): creates the counters a run will count
 * against that do not exist yet (a new period, a new end user — the reservation statement refuses
 * while one is missing, since it cannot lock a row it cannot see), then reads them with what the
 * runs in flight hold of each.
 */
export async function lockedBudgetStanding(tx: DbOrTx, r: BudgetSubject): Promise<BudgetStanding[]> {
  await tx.execute(sql`
    INSERT INTO budget_usage (budget_id, period_start, subject)
    SELECT a.id, a.p::timestamptz, a.s FROM (${applicableBudgets(r)}) a
    ON CONFLICT DO NOTHING`);
  const result = await tx.execute(sql`
    SELECT a.id, a.name, a.scope, a.period, a.credits, a.p, a.s, u.used,
      (SELECT COALESCE(SUM(run.credits_reserved), 0) FROM runs run
        WHERE run.org_id = ${r.orgId} AND run.status IN ('running', 'queued')
          AND run.budget_keys @> jsonb_build_array(jsonb_build_object('b', a.id, 'p', a.p, 's', a.s))) AS held
    FROM (${applicableBudgets(r)}) a
    JOIN budget_usage u ON u.budget_id = a.id AND u.period_start = a.p::timestamptz AND u.subject = a.s
    ORDER BY a.id`);
  return rowsOf(result).map((row) => ({
    id: String(row.id),
    name: row.name === null ? null : String(row.name),
    scope: row.scope as BudgetScope,
    period: row.period as BudgetPeriod,
    credits: Number(row.credits),
    key: { b: String(row.id), p: String(row.p), s: String(row.s) },
    used: Number(row.used),
    held: Number(row.held),
  }));
}

/**
 * After a settlement committed (lib/credits/settle-queue.ts): every alert threshold the counters
 * it touched have reached, recorded once (budget_alerts' primary key: concurrent settlements and
 * instances insert it once between them) together with its `budget-alert` job, which sends the
 * webhook event and the mail (lib/budgets/alerts.ts). Level-triggered: a threshold missed because
 * the process died after the settlement's commit is recorded by the next settlement of that
 * subject in that period. Returns how many alerts were queued.
 */
export async function queueBudgetAlerts(db: DbOrTx, orgId: string, keys: BudgetKey[], o: { exhausted?: boolean } = {}): Promise<number> {
  if (!keys.length) return 0;
  const result = await db.execute(sql`
    WITH k AS (
      SELECT DISTINCT x.b, x.p::timestamptz AS p, x.s FROM jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) AS x(b text, p text, s text)
    ), due AS (
      SELECT u.budget_id, u.period_start, u.subject, u.spent, t.pct
      FROM k JOIN budget_usage u ON u.budget_id = k.b AND u.period_start = k.p AND u.subject = k.s
      JOIN budgets b ON b.id = u.budget_id AND b.org_id = ${orgId}
      CROSS JOIN LATERAL unnest(b.alert_at) AS t(pct)
      -- Exhausted: the budget refused a run, so every threshold up to 100% is due.
      WHERE u.spent * 100 >= t.pct::bigint * b.credits OR (${o.exhausted ?? false}::boolean AND t.pct <= 100)
    ), ins AS (
      INSERT INTO budget_alerts (budget_id, period_start, subject, threshold, spent)
      SELECT budget_id, period_start, subject, pct, spent FROM due
      ON CONFLICT DO NOTHING
      RETURNING budget_id, period_start, subject, threshold, spent
    ), job AS (
      INSERT INTO jobs (kind, payload, org_id)
      SELECT 'budget-alert', jsonb_build_object('budget_id', budget_id, 'period_start', period_start, 'subject', subject,
                                                'threshold', threshold, 'spent', spent, 'org_id', ${orgId}::text,
                                                'exhausted', ${o.exhausted ?? false}::boolean), ${orgId}
      FROM ins
      RETURNING id
    )
    SELECT count(*) AS n FROM job`);
  return Number(rowsOf(result)[0]?.n ?? 0);
}
