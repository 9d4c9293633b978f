import { sql, type SQL } from "drizzle-orm";
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
 * Records each due alert of `due` (budget_id, period_start, subject, spent, pct)
 * in budget_alerts — once: its primary key (budget, period, subject, threshold) makes concurrent
 * settlements, instances and sweeps insert it once between them — with its `budget-alert` job, in
 * the same statement. Returns how many alerts were queued.
 */
async function insertDueAlerts(db: DbOrTx, with_: SQL, exhausted: boolean): Promise<number> {
  const result = await db.execute(sql`
    WITH ${with_}, ins AS (
      INSERT INTO budget_alerts (budget_id, period_start, subject, threshold, spent)
      SELECT budget_id, period_start, subject, pct, spent FROM due
      ON CONFLICT DO NOTHING
      RETURNING budget_id, period_start, subject, threshold, spent
    ), job AS (
      INSERT INTO jobs (kind, payload, org_id)
      SELECT 'budget-alert', jsonb_build_object('budget_id', ins.budget_id, 'period_start', ins.period_start, 'subject', ins.subject,
                                                'threshold', ins.threshold, 'spent', ins.spent, 'org_id', b.org_id,
                                                'exhausted', ${exhausted}::boolean), b.org_id
      FROM ins JOIN budgets b ON b.id = ins.budget_id
      RETURNING id
    )
    SELECT count(*) AS n FROM job`);
  return Number(rowsOf(result)[0]?.n ?? 0);
}

/**
 * After a settlement committed (lib/credits/settle-queue.ts): every alert threshold the counters
 * it touched have reached, recorded once together with its `budget-alert` job, which sends the
 * webhook event and the mail (lib/budgets/alerts.ts). Level-triggered: a threshold missed because
 * the process died after the settlement's commit is recorded by the periodic sweep
 * (`sweepMissedBudgetAlerts`) or the next settlement of that subject in that period, whichever
 * comes first. Returns how many alerts were queued.
 */
export async function queueBudgetAlerts(db: DbOrTx, orgId: string, keys: BudgetKey[], o: { exhausted?: boolean } = {}): Promise<number> {
  if (!keys.length) return 0;
  return insertDueAlerts(
    db,
    sql`k AS (
      SELECT DISTINCT x.b, x.p::timestamptz AS p, x.s FROM jsonb_to_recordset(${JSON.stringify(keys)}::jsonb) AS x(b text, p text, s text)
    ), due AS (
      SELECT u.budget_id, u.period_start, u.subject, u.spent, t.pct
      FROM k JOIN budget_usage u ON u.budget_id = k.b AND u.period_start = k.p AND u.subject = k.s
      JOIN budgets b ON b.id = u.budget_id AND b.org_id = ${orgId}
      CROSS JOIN LATERAL unnest(b.alert_at) AS t(pct)
      -- Exhausted: the budget refused a run, so every threshold up to 100% is due.
      WHERE u.spent * 100 >= t.pct::bigint * b.credits OR (${o.exhausted ?? false}::boolean AND t.pct <= 100)
    )`,
    o.exhausted ?? false,
  );
}

/**
 * The periodic pass (lib/server/boot.ts, once a minute on every instance): every counter of the
 * current or the previous period (a day or a month) whose settled spend reached an alert threshold
 * that has no budget_alerts row — the settlement committed, but the process died before its
 * alerts were queued — gets its alert and job now, in one statement. The counters are written by
 * the settlement statement itself, so what crossed a threshold is never lost; budget_alerts'
 * primary key makes each alert once however many passes and settlements see it. At most `limit`
 * alerts a pass (the next pass takes the rest). An exhausted budget's early 100% (a refused run,
 * `budgetExhausted`, spend short of 100%) is not in the counters, so not swept: it is queued by the
 * refusal itself (and by a refusal after a restart or on another instance).
 */
export async function sweepMissedBudgetAlerts(db: DbOrTx, { limit = 500 }: { limit?: number } = {}): Promise<number> {
  return insertDueAlerts(
    db,
    sql`due AS (
      SELECT u.budget_id, u.period_start, u.subject, u.spent, t.pct
      FROM budgets b
      CROSS JOIN LATERAL unnest(b.alert_at) AS t(pct)
      JOIN budget_usage u ON u.budget_id = b.id
        AND u.period_start >= (CASE b.period WHEN 'day' THEN date_trunc('day', now() AT TIME ZONE 'UTC') - interval '1 day'
                                             ELSE date_trunc('month', now() AT TIME ZONE 'UTC') - interval '1 month' END) AT TIME ZONE 'UTC'
        AND u.spent * 100 >= t.pct::bigint * b.credits
      WHERE cardinality(b.alert_at) > 0
        AND NOT EXISTS (SELECT 1 FROM budget_alerts a
                        WHERE a.budget_id = u.budget_id AND a.period_start = u.period_start AND a.subject = u.subject AND a.threshold = t.pct)
      ORDER BY u.period_start, u.budget_id, u.subject, t.pct
      LIMIT ${limit}
    )`,
    false,
  );
}
