import { sql, type SQL } from "drizzle-orm";
import { executePrepared, type DbOrTx } from "../index";
import type { BudgetKey, RunAssignment, RunAttempt, RunPrice, RunSource, RunStatus } from "../schema";
import { applicableBudgets } from "./budget-usage";

// The two writes on every run's hot path, each ONE statement (data-modifying CTEs), so each is
// atomic without an explicit transaction and costs a single round trip. The invariants they keep
// are in lib/credits/README.md: the org row is locked (FOR UPDATE) while its balance and the
// ledger entry are written together; a run leaves "running" only together with its settlement.
// Both are prepared statements on PostgreSQL (executePrepared): their text never varies.

/**
 * A run locked by its primary key alone: every statement that locks a run reads it through this,
 * and tests its status on the row it returns (the LIMIT keeps that test out of the lookup); the
 * batch calls it per input row (LATERAL) instead of joining runs to its input. A prepared
 * statement keeps the generic plan it made on its first executions for its connection's life, and
 * PostgreSQL plans it anew only when the table's statistics change, which is autovacuum's work.
 * Planned while `runs` was small, the join was a hash join over a sequential scan of the whole
 * table, and a status test next to the id could pick the status index, whose entries for "running"
 * every settled run leaves behind until a vacuum. On a database without autovacuum both stayed as
 * the table grew: every settlement read all of it (bench/README.md, round 17).
 */
const runById = (id: SQL | string) => sql`(SELECT * FROM runs WHERE id = ${id} LIMIT 1 FOR UPDATE)`;

function rowsOf(result: unknown): Record<string, unknown>[] {
  // postgres-js returns an array of rows, PGlite a { rows } object.
  return Array.isArray(result) ? result : ((result as { rows?: Record<string, unknown>[] }).rows ?? []);
}

/**
 * A capped key's counter (`k`) as it stands in the period that started at `period`: it belongs to
 * the period it was last written in, and periods only move forward, so a counter from that period
 * or a later one counts and an older one is zero. The same rule as capUsedInPeriod in
 * lib/credits/key-cap.ts (the keys page).
 */
const capUsedInPeriod = (period: string | null) => sql`CASE WHEN k.cap_period_start >= ${period}::timestamptz THEN k.cap_used ELSE 0 END`;

export type RunStart = {
  runId: string;
  ledgerId: string;
  orgId: string;
  workflowId: string;
  versionId: string | null;
  apiKeyId: string | null;
  source: RunSource;
  protocol: string;
  model: string;
  inputs: Record<string, string>;
  endUser: string | null;
  sessionId: string | null;
  assignment?: RunAssignment | null;
  /** "queued": an async run, started later by the queue (it holds its reservation while it waits). */
  status?: "running" | "queued";
  /**
   * Refuse (write nothing) unless apiKeyId is still usable, neither revoked nor expired: the API's
   * key verification may be up to LOOKUP_CACHE_TTL_MS old, this check is not.
   */
  checkKey?: boolean;
  /** Credits for the estimated input, and per 1M output tokens (lib/credits/pricing.ts). */
  inputCost: number;
  outputPerM: number;
  maxOutputTokens: number;
  /** The price of each model the run may call (credits per 1M tokens), kept on the run: it settles at these. */
  prices: Record<string, RunPrice>;
  /** Fewest output tokens worth reserving (default 1); maxOutputTokens makes it all or nothing. */
  minOutputTokens?: number;
  /**
   * The key's credit cap, when it has one: the reservation must also fit what is left of it in
   * the period that started at `periodStart` (a new period starts from zero).
   */
  keyCap?: { keyId: string; periodStart: Date } | null;
  /**
   * The start (ISO, UTC) of the current day and month: every budget of the org that applies to the
   * run (db/queries/budget-usage.ts) must also fit the reservation in its period's counter.
   */
  budgetPeriods: { day: string; month: string };
};

export type Reserved = { reserved: number; maxOutputTokens: number };
/** Nothing was written; `budgets`: how many budgets apply to the run (none: the slow path need not look at them). */
export type Refused = { refused: true; budgets: number };

/**
 * Reserves the input estimate plus as many output tokens as the balance allows (up to
 * maxOutputTokens) and inserts the run as "running". Refused when fewer than minOutputTokens fit,
 * when a budget's counter for the run does not exist yet, or (checkKey) when the run's API key is
 * no longer usable: then nothing was written.
 */
export async function insertRunWithReservation(db: DbOrTx, r: RunStart): Promise<Reserved | Refused> {
  const min = Math.max(1, r.minOutputTokens ?? 1);
  const cap = r.keyCap ?? null;
  const period = cap ? cap.periodStart.toISOString() : null;
  const budgets = applicableBudgets({
    orgId: r.orgId,
    workflowId: r.workflowId,
    apiKeyId: r.apiKeyId,
    endUser: r.endUser,
    periods: r.budgetPeriods,
  });
  // Lock order everywhere: org row, then key row (the settlement below does the same), so a
  // reservation and a settlement never wait on each other in a cycle.
  const [row] = await executePrepared(
    db,
    sql`
    WITH cur AS (
      SELECT id, credit_balance AS old FROM orgs WHERE id = ${r.orgId}
        AND (${r.checkKey ?? false}::boolean IS NOT TRUE OR EXISTS (
          SELECT 1 FROM api_keys WHERE id = ${r.apiKeyId} AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())))
      FOR UPDATE
    ), kc AS (
      -- The period never moves backwards: a caller whose clock (or a wait for credits) is behind
      -- a rollover another instance already made counts against the newer period.
      SELECT k.id, k.credit_cap AS cap,
             ${capUsedInPeriod(period)} AS used,
             GREATEST(COALESCE(k.cap_period_start, ${period}::timestamptz), ${period}::timestamptz) AS period
      FROM api_keys k, cur WHERE k.id = ${cap?.keyId ?? null} FOR NO KEY UPDATE OF k
    ), bud AS (
      SELECT a.* FROM (${budgets}) a, cur
    ), bu AS (
      -- Each budget's counter for the run's period and subject, locked after the org row (and the
      -- key's): the latest committed value, like the key's counter. A counter that does not exist
      -- yet cannot be locked, so the run is not reserved while one is missing (bmiss): the slow
      -- path creates it under the org lock and tries again (lib/credits/reserve-credits.ts).
      SELECT u.budget_id, u.period_start, u.subject, bud.p, bud.credits, u.used
      FROM budget_usage u JOIN bud ON u.budget_id = bud.id AND u.period_start = bud.p::timestamptz AND u.subject = bud.s
      ORDER BY u.budget_id FOR NO KEY UPDATE OF u
    ), bmiss AS (
      SELECT (SELECT count(*) FROM bud) <> (SELECT count(*) FROM bu) AS missing
    ), calc AS (
      -- Output tokens cost CEIL(tokens × price / 1M) credits; a free model (price 0 → NULL, which
      -- LEAST ignores) gets all it asked for.
      SELECT cur.id, old, LEAST(
        ${r.maxOutputTokens}::bigint,
        FLOOR((old - ${r.inputCost}) * 1000000 / NULLIF(${r.outputPerM}::numeric, 0))::bigint,
        (SELECT FLOOR((kc.cap - kc.used - ${r.inputCost}) * 1000000 / NULLIF(${r.outputPerM}::numeric, 0))::bigint FROM kc),
        -- Every budget that applies: what is left of it (a hard cap, like the balance).
        (SELECT MIN(FLOOR((bu.credits - bu.used - ${r.inputCost}) * 1000000 / NULLIF(${r.outputPerM}::numeric, 0)))::bigint FROM bu)
      ) AS granted FROM cur
    ), res AS (
      SELECT id, old, granted, ${r.inputCost} + CEIL(granted * ${r.outputPerM}::numeric / 1000000)::bigint AS reserved
      -- A balance below zero (a refund took back credits already spent) runs nothing, not even a free model.
      FROM calc WHERE granted >= ${min} AND old >= 0 AND NOT (SELECT missing FROM bmiss)
    ), upd AS (
      UPDATE orgs o SET credit_balance = c.old - c.reserved
      FROM res c WHERE o.id = c.id
      RETURNING o.credit_balance AS balance_after, c.granted, c.reserved
    ), kupd AS (
      UPDATE api_keys k SET cap_used = kc.used + upd.reserved, cap_period_start = kc.period
      FROM kc, upd WHERE k.id = kc.id
      RETURNING k.id
    ), bupd AS (
      UPDATE budget_usage u SET used = bu.used + upd.reserved
      FROM bu, upd WHERE u.budget_id = bu.budget_id AND u.period_start = bu.period_start AND u.subject = bu.subject
      RETURNING u.budget_id
    ), led AS (
      INSERT INTO credit_ledger (id, org_id, run_id, kind, amount, balance_after, idempotency_key)
      SELECT ${r.ledgerId}, ${r.orgId}, ${r.runId}, 'reserve', -reserved, balance_after, ${"reserve:" + r.runId} FROM upd
      RETURNING id
    ), ins AS (
      INSERT INTO runs (id, org_id, workflow_id, version_id, api_key_id, source, protocol, status, model, inputs,
                        credits_reserved, max_output_tokens, end_user, session_id, cap_period_start, prices, assignment, budget_keys)
      SELECT ${r.runId}, ${r.orgId}, ${r.workflowId}, ${r.versionId}, ${r.apiKeyId}, ${r.source}, ${r.protocol}, ${r.status ?? "running"},
             ${r.model}, ${JSON.stringify(r.inputs)}::jsonb, reserved, granted, ${r.endUser}, ${r.sessionId}, (SELECT period FROM kc),
             ${JSON.stringify(r.prices)}::jsonb, ${r.assignment ? JSON.stringify(r.assignment) : null}::jsonb,
             (SELECT jsonb_agg(jsonb_build_object('b', bu.budget_id, 'p', bu.p, 's', bu.subject) ORDER BY bu.budget_id) FROM bu)
      FROM upd
      RETURNING id
    )
    SELECT upd.reserved, upd.granted, (SELECT count(*) FROM led) AS ledger_rows, (SELECT count(*) FROM ins) AS run_rows,
           (SELECT count(*) FROM kupd) AS key_rows, (SELECT count(*) FROM bupd) AS budget_rows, (SELECT count(*) FROM bud) AS budgets
    FROM (SELECT 1) one LEFT JOIN upd ON TRUE`,
  );
  if (!row || row.reserved === null || row.reserved === undefined) return { refused: true, budgets: Number(row?.budgets ?? 0) };
  return { reserved: Number(row.reserved), maxOutputTokens: Number(row.granted) };
}

/**
 * The hot path of many runs of ONE org in one statement (group commit for reservations,
 * lib/credits/reserve-queue.ts): each run in `rs` (in order) is reserved in full — its
 * maxOutputTokens, as insertRunWithReservation with minOutputTokens = maxOutputTokens — while the
 * balance covers it and every run before it: a prefix of the batch. The org row is locked once and
 * updated once; each run gets its own `reserve` ledger entry whose balance_after is the running
 * balance in the batch's order, and its run row. Only for runs with no key cap, of an org with no
 * budget (otherwise nothing is written: `orgRows` 0). A run whose key must be usable (checkKey)
 * and is not is left out before the running sum. Returns the runs it reserved; the others were not
 * written and take the single-run path (which decides partial grants, waits and 402s).
 */
export async function insertRunsWithReservation(
  db: DbOrTx,
  orgId: string,
  rs: RunStart[],
): Promise<{ reserved: Map<string, Reserved>; orgRows: number }> {
  const input = rs.map((r, ord) => ({
    ord,
    run_id: r.runId,
    ledger_id: r.ledgerId,
    workflow_id: r.workflowId,
    version_id: r.versionId,
    api_key_id: r.apiKeyId,
    check_key: r.checkKey ?? false,
    source: r.source,
    protocol: r.protocol,
    status: r.status ?? "running",
    model: r.model,
    inputs: r.inputs,
    input_cost: r.inputCost,
    output_per_m: r.outputPerM,
    granted: r.maxOutputTokens,
    end_user: r.endUser,
    session_id: r.sessionId,
    prices: r.prices,
    assignment: r.assignment ?? null,
  }));
  const rows = await executePrepared(
    db,
    sql`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(input)}::jsonb) AS v(
        ord int, run_id text, ledger_id text, workflow_id text, version_id text, api_key_id text, check_key boolean,
        source text, protocol text, status text, model text, inputs jsonb, input_cost bigint, output_per_m numeric,
        granted bigint, end_user text, session_id text, prices jsonb, assignment jsonb)
    ), cur AS (
      SELECT id, credit_balance AS old FROM orgs WHERE id = ${orgId} AND NOT EXISTS (SELECT 1 FROM budgets WHERE org_id = ${orgId})
      FOR UPDATE
    ), ok AS (
      -- The reservation of the full ceiling, priced as insertRunWithReservation prices it.
      SELECT i.*, i.input_cost + CEIL(i.granted * i.output_per_m / 1000000)::bigint AS reserved FROM input i
      WHERE i.check_key IS NOT TRUE OR EXISTS (
        SELECT 1 FROM api_keys k WHERE k.id = i.api_key_id AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now()))
    ), per AS (
      SELECT ok.*, cur.old - SUM(ok.reserved) OVER (ORDER BY ok.ord) AS balance_after FROM ok, cur
    ), fit AS (
      -- Reservations are never negative, so the running balance only falls: what fits is a prefix.
      SELECT * FROM per WHERE balance_after >= 0
    ), upd AS (
      UPDATE orgs o SET credit_balance = (SELECT MIN(balance_after) FROM fit)
      FROM cur WHERE o.id = cur.id AND EXISTS (SELECT 1 FROM fit)
      RETURNING o.id
    ), led AS (
      INSERT INTO credit_ledger (id, org_id, run_id, kind, amount, balance_after, idempotency_key)
      SELECT fit.ledger_id, ${orgId}, fit.run_id, 'reserve', -fit.reserved, fit.balance_after, 'reserve:' || fit.run_id
      FROM fit WHERE EXISTS (SELECT 1 FROM upd)
      RETURNING run_id
    ), ins AS (
      INSERT INTO runs (id, org_id, workflow_id, version_id, api_key_id, source, protocol, status, model, inputs,
                        credits_reserved, max_output_tokens, end_user, session_id, cap_period_start, prices, assignment, budget_keys)
      SELECT fit.run_id, ${orgId}, fit.workflow_id, fit.version_id, fit.api_key_id, fit.source, fit.protocol, fit.status,
             fit.model, fit.inputs, fit.reserved, fit.granted, fit.end_user, fit.session_id, NULL, fit.prices, fit.assignment, NULL
      FROM fit WHERE fit.run_id IN (SELECT run_id FROM led)
      RETURNING id
    )
    SELECT fit.run_id, fit.reserved, fit.granted, (SELECT count(*) FROM cur) AS org_rows
    FROM (SELECT 1) one LEFT JOIN (fit JOIN ins ON ins.id = fit.run_id) ON TRUE`,
  );
  const reserved = new Map<string, Reserved>();
  for (const r of rows)
    if (r.run_id != null) reserved.set(String(r.run_id), { reserved: Number(r.reserved), maxOutputTokens: Number(r.granted) });
  return { reserved, orgRows: Number(rows[0]?.org_rows ?? 0) };
}

/** What is left of a capped key's period (for telling a cap 402 from an org that is short). */
export async function keyCapRemaining(db: DbOrTx, { keyId, periodStart }: { keyId: string; periodStart: Date }): Promise<number | null> {
  const result = await db.execute(sql`
    SELECT k.credit_cap - ${capUsedInPeriod(periodStart.toISOString())} AS remaining
    FROM api_keys k WHERE k.id = ${keyId} AND k.credit_cap IS NOT NULL`);
  const [row] = rowsOf(result);
  return row ? Number(row.remaining) : null;
}

/** A settlement committed: what the run was charged, and how many webhook events it queued (0 or 1). */
export type Settled = {
  charged: number;
  events: number;
  /** The budget counters it gave back to (or charged an overshoot to): the alerts look at these after the commit. */
  budgetKeys?: BudgetKey[] | null;
};

/**
 * A settled run's budget counters (runs.budget_keys): its unused reservation goes back to each,
 * and its charge is added to what each spent. `delta`: credits back to `used` (negative: an
 * overshoot taken); `charged`: added to `spent`. Periods only move forward: a counter of a period
 * that has ended is still this run's (its reservation counted there), so it is corrected there.
 */
const budgetRelease = (keys: SQL, delta: SQL, charged: SQL, after: SQL) => sql`
  UPDATE budget_usage u SET used = GREATEST(0, u.used - ${delta}), spent = GREATEST(0, u.spent + ${charged})
  FROM ${keys} WHERE u.budget_id = x.b AND u.period_start = x.p::timestamptz AND u.subject = x.s AND ${after}
  RETURNING u.budget_id`;

/**
 * The run's webhook event (run.completed / run.failed / run.canceled) as a job in the settlement's
 * own statement — a transactional outbox: the event commits with the settlement or not at all,
 * whatever happens to the process afterwards. Only for orgs with an endpoint that wants it (an
 * indexed lookup inside the statement, no round trip of its own); the queue fans it out to the
 * endpoints (lib/webhooks/emit-event.ts). `finished` yields (id, org_id, event) per finalized run.
 */
const runEventOutbox = (finished: SQL) => sql`
  INSERT INTO jobs (kind, payload, org_id)
  SELECT 'run-event', jsonb_build_object('run_id', f.id, 'org_id', f.org_id), f.org_id
  FROM (${finished}) f
  WHERE EXISTS (SELECT 1 FROM webhook_endpoints e WHERE e.org_id = f.org_id AND e.disabled_at IS NULL AND e.events @> ARRAY[f.event]::text[])
  RETURNING payload->>'run_id' AS run_id`;

export type RunFinish = {
  runId: string;
  ledgerId: string;
  status: Exclude<RunStatus, "running">;
  cost: number;
  output: string;
  citations: string[];
  inputTokens: number;
  outputTokens: number;
  errorCode: string | null;
  errorMessage: string | null;
  firstTokenMs: number | null;
  latencyMs: number | null;
  /** The model calls the run made (none recorded: null). */
  attempts?: RunAttempt[] | null;
  /** The status it must have now: "queued" for an async run canceled before it started. */
  from?: "running" | "queued";
  /** The sweeper's settlement of an expired lease: the run's fencing epoch moves on (lib/credits/settle.ts). */
  claim?: boolean;
};

/**
 * Finalizes a running run (or a queued one, `from`) and settles its reservation, exactly once: the
 * run row is locked and must still have that status (a second finisher, a cancel or the sweeper racing us gets null). The
 * unused reservation comes back; an overshoot is taken from the balance but never below zero.
 */
export async function finalizeRunWithSettlement(db: DbOrTx, f: RunFinish): Promise<Settled | null> {
  const [row] = await executePrepared(
    db,
    sql`
    WITH run AS (
      SELECT id, org_id, api_key_id, cap_period_start, budget_keys, credits_reserved AS reserved
      FROM ${runById(f.runId)} r WHERE status = ${f.from ?? "running"}
    ), cur AS (
      SELECT o.id, o.credit_balance AS old, run.reserved FROM orgs o JOIN run ON o.id = run.org_id FOR UPDATE OF o
    ), calc AS (
      -- The reservation is the run's whatever the balance did meanwhile (a refund may have taken it below zero).
      SELECT id, old, reserved, LEAST(${f.cost}::bigint, reserved + GREATEST(old, 0)) AS charged FROM cur
    ), upd AS (
      UPDATE orgs o SET credit_balance = c.old + c.reserved - c.charged FROM calc c WHERE o.id = c.id
      RETURNING o.credit_balance AS balance_after
    ), krel AS (
      -- A capped key gets back what its run reserved but did not spend — in the same period only:
      -- a new period has already started from zero.
      UPDATE api_keys k SET cap_used = GREATEST(0, k.cap_used - (c.reserved - c.charged))
      FROM calc c, run, upd WHERE run.cap_period_start IS NOT NULL AND k.id = run.api_key_id AND k.cap_period_start = run.cap_period_start
      RETURNING k.id
    ), brel AS (
      ${budgetRelease(
        sql`calc c, upd, run, jsonb_to_recordset(run.budget_keys) AS x(b text, p text, s text)`,
        sql`(c.reserved - c.charged)`,
        sql`c.charged`,
        sql`TRUE`,
      )}
    ), led AS (
      INSERT INTO credit_ledger (id, org_id, run_id, kind, amount, balance_after, idempotency_key)
      SELECT ${f.ledgerId}, c.id, ${f.runId}, CASE WHEN c.charged = 0 THEN 'release' ELSE 'settle' END,
             c.reserved - c.charged, u.balance_after, ${"settle:" + f.runId}
      FROM calc c, upd u
      RETURNING id
    ), ev AS (
      ${runEventOutbox(sql`SELECT run.id, run.org_id, ${"run." + f.status}::text AS event FROM run WHERE EXISTS (SELECT 1 FROM led)`)}
    )
    UPDATE runs SET status = ${f.status}, output = ${f.output}, citations = ${JSON.stringify(f.citations)}::jsonb,
      input_tokens = ${f.inputTokens}, output_tokens = ${f.outputTokens}, total_tokens = ${f.inputTokens + f.outputTokens},
      credits_charged = (SELECT charged FROM calc), error_code = ${f.errorCode}, error_message = ${f.errorMessage},
      first_token_ms = ${f.firstTokenMs}, latency_ms = ${f.latencyMs}, attempts = ${f.attempts ? JSON.stringify(f.attempts) : null}::jsonb,
      finished_at = now(), lease_epoch = lease_epoch + ${f.claim ? 1 : 0}::int
    WHERE id = (SELECT id FROM run) AND EXISTS (SELECT 1 FROM led)
    RETURNING credits_charged, (SELECT count(*) FROM ev) AS events, (SELECT count(*) FROM brel) AS budget_rows, budget_keys`,
  );
  return row ? { charged: Number(row.credits_charged), events: Number(row.events), budgetKeys: keysOf(row.budget_keys) } : null;
}

/**
 * Settles many runs in ONE statement (group commit, lib/credits/settle-queue.ts): the same per-run
 * effects as finalizeRunWithSettlement — the run leaves its status only together with its
 * settlement, exactly once — for runs whose cost fits their reservation (`cost <= reserved`:
 * their settlement only gives credits back, so it never depends on the balance; an overshoot
 * takes the single-run statement). Locks are taken in one order: the run rows, then the org rows
 * (by id), then the capped keys' rows. Several runs of one org get one ledger entry each, their
 * `balance_after` the running balance in the batch's order, and one balance update.
 * Returns what each run it finished was charged; a run not in the map was no longer in the
 * status it expected (a cancel, the sweeper or an earlier attempt finished it).
 */
export async function finalizeRunsWithSettlement(db: DbOrTx, fs: RunFinish[]): Promise<Map<string, Settled>> {
  if (!fs.length) return new Map();
  const input = fs.map((f, ord) => ({
    ord,
    run_id: f.runId,
    ledger_id: f.ledgerId,
    status: f.status,
    from_status: f.from ?? "running",
    cost: f.cost,
    output: f.output,
    citations: f.citations,
    input_tokens: f.inputTokens,
    output_tokens: f.outputTokens,
    error_code: f.errorCode,
    error_message: f.errorMessage,
    first_token_ms: f.firstTokenMs,
    latency_ms: f.latencyMs,
    attempts: f.attempts ?? null,
  }));
  const rows = await executePrepared(
    db,
    sql`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(input)}::jsonb) AS v(
        ord int, run_id text, ledger_id text, status text, from_status text, cost bigint, output text, citations jsonb,
        input_tokens int, output_tokens int, error_code text, error_message text, first_token_ms int, latency_ms int, attempts jsonb)
    ), run AS (
      -- Each run by its primary key (runById), locked in id order: a nested loop over the sorted input locks as it goes.
      SELECT r.id, r.org_id, r.api_key_id, r.cap_period_start, r.budget_keys, r.credits_reserved::bigint AS reserved, i.ord,
             LEAST(i.cost, r.credits_reserved) AS charged
      FROM (SELECT run_id, from_status, ord, cost FROM input ORDER BY run_id) i
      CROSS JOIN LATERAL ${runById(sql`i.run_id`)} r
      WHERE r.status = i.from_status
    ), cur AS (
      SELECT o.id, o.credit_balance AS old FROM orgs o WHERE o.id IN (SELECT org_id FROM run) ORDER BY o.id FOR UPDATE
    ), per AS (
      SELECT run.*, cur.old + SUM(run.reserved - run.charged) OVER (PARTITION BY run.org_id ORDER BY run.ord) AS balance_after
      FROM run JOIN cur ON cur.id = run.org_id
    ), upd AS (
      UPDATE orgs o SET credit_balance = t.old + t.back
      FROM (SELECT cur.id, cur.old, SUM(per.reserved - per.charged) AS back FROM cur JOIN per ON per.org_id = cur.id GROUP BY cur.id, cur.old) t
      WHERE o.id = t.id
      RETURNING o.id
    ), krel AS (
      -- A capped key gets back what its runs reserved but did not spend, in the same period only.
      UPDATE api_keys k SET cap_used = GREATEST(0, k.cap_used - t.back)
      FROM (SELECT api_key_id, cap_period_start, SUM(reserved - charged) AS back FROM per
            WHERE cap_period_start IS NOT NULL AND api_key_id IS NOT NULL GROUP BY api_key_id, cap_period_start ORDER BY api_key_id) t
      WHERE k.id = t.api_key_id AND k.cap_period_start = t.cap_period_start AND EXISTS (SELECT 1 FROM upd)
      RETURNING k.id
    ), brel AS (
      -- Each budget counter once, with what all its runs in the batch give back and spent.
      ${budgetRelease(
        sql`(SELECT y.b, y.p, y.s, SUM(per.reserved - per.charged) AS back, SUM(per.charged) AS charged
             FROM per, jsonb_to_recordset(per.budget_keys) AS y(b text, p text, s text) GROUP BY y.b, y.p, y.s ORDER BY y.b, y.s) x`,
        sql`x.back`,
        sql`x.charged`,
        sql`EXISTS (SELECT 1 FROM upd)`,
      )}
    ), led AS (
      INSERT INTO credit_ledger (id, org_id, run_id, kind, amount, balance_after, idempotency_key)
      SELECT i.ledger_id, per.org_id, per.id, CASE WHEN per.charged = 0 THEN 'release' ELSE 'settle' END,
             per.reserved - per.charged, per.balance_after, 'settle:' || per.id
      FROM per JOIN input i ON i.run_id = per.id
      WHERE EXISTS (SELECT 1 FROM upd) AND (SELECT count(*) FROM brel) >= 0
      RETURNING run_id
    ), ev AS (
      ${runEventOutbox(sql`SELECT per.id, per.org_id, 'run.' || i.status AS event FROM per JOIN input i ON i.run_id = per.id WHERE per.id IN (SELECT run_id FROM led)`)}
    )
    UPDATE runs SET status = i.status, output = i.output, citations = i.citations,
      input_tokens = i.input_tokens, output_tokens = i.output_tokens, total_tokens = i.input_tokens + i.output_tokens,
      credits_charged = per.charged, error_code = i.error_code, error_message = i.error_message,
      first_token_ms = i.first_token_ms, latency_ms = i.latency_ms, attempts = i.attempts, finished_at = now()
    FROM per JOIN input i ON i.run_id = per.id
    WHERE runs.id = per.id AND per.id IN (SELECT run_id FROM led)
    RETURNING runs.id, runs.credits_charged, EXISTS (SELECT 1 FROM ev WHERE ev.run_id = runs.id) AS event, runs.budget_keys`,
  );
  return new Map(
    rows.map((r) => [String(r.id), { charged: Number(r.credits_charged), events: r.event ? 1 : 0, budgetKeys: keysOf(r.budget_keys) }]),
  );
}

/**
 * The owner's finish of a run the sweeper claimed while its instance was alive but unresponsive
 * (its lease expired: a blocked event loop renews nothing): the run gets its real final state and
 * charge, once (fencing epoch 1 → 2). The sweeper's provisional settlement stays in the ledger;
 * one more entry corrects it by the difference (kind `adjust`, `resettle:<run_id>`), taken from
 * the balance never below zero, or given back. Null when the run was not claimed by the sweeper,
 * or was already re-settled.
 */
export async function resettleClaimedRun(db: DbOrTx, f: RunFinish): Promise<Settled | null> {
  const [row] = await executePrepared(
    db,
    sql`
    WITH run AS (
      SELECT id, org_id, api_key_id, cap_period_start, budget_keys, credits_charged AS prev
      FROM ${runById(f.runId)} r WHERE status = 'failed' AND error_code = 'orphaned' AND lease_epoch = 1
    ), cur AS (
      SELECT o.id, o.credit_balance AS old, run.prev FROM orgs o JOIN run ON o.id = run.org_id FOR UPDATE OF o
    ), calc AS (
      SELECT id, old, prev, LEAST(${f.cost}::bigint, prev + old) AS charged FROM cur
    ), upd AS (
      UPDATE orgs o SET credit_balance = c.old + c.prev - c.charged FROM calc c WHERE o.id = c.id AND c.charged <> c.prev
      RETURNING o.credit_balance AS balance_after
    ), krel AS (
      UPDATE api_keys k SET cap_used = GREATEST(0, k.cap_used + (c.charged - c.prev))
      FROM calc c, run, upd WHERE run.cap_period_start IS NOT NULL AND k.id = run.api_key_id AND k.cap_period_start = run.cap_period_start
      RETURNING k.id
    ), brel AS (
      -- The budgets' counters move by the same difference (used and spent alike: the run holds nothing now).
      ${budgetRelease(
        sql`calc c, upd, run, jsonb_to_recordset(run.budget_keys) AS x(b text, p text, s text)`,
        sql`(c.prev - c.charged)`,
        sql`(c.charged - c.prev)`,
        sql`TRUE`,
      )}
    ), led AS (
      INSERT INTO credit_ledger (id, org_id, run_id, kind, amount, balance_after, idempotency_key)
      SELECT ${f.ledgerId}, c.id, ${f.runId}, 'adjust', c.prev - c.charged, u.balance_after, ${"resettle:" + f.runId}
      FROM calc c, upd u
      RETURNING id
    )
    UPDATE runs SET status = ${f.status}, output = ${f.output}, citations = ${JSON.stringify(f.citations)}::jsonb,
      input_tokens = ${f.inputTokens}, output_tokens = ${f.outputTokens}, total_tokens = ${f.inputTokens + f.outputTokens},
      credits_charged = (SELECT charged FROM calc), error_code = ${f.errorCode}, error_message = ${f.errorMessage},
      first_token_ms = ${f.firstTokenMs}, latency_ms = ${f.latencyMs}, attempts = ${f.attempts ? JSON.stringify(f.attempts) : null}::jsonb,
      finished_at = now(), lease_epoch = 2
    WHERE id = (SELECT id FROM run) AND (SELECT count(*) FROM brel) >= 0
    RETURNING credits_charged, budget_keys`,
  );
  return row ? { charged: Number(row.credits_charged), events: 0, budgetKeys: keysOf(row.budget_keys) } : null;
}

/** runs.budget_keys as a driver returns it (postgres-js parses jsonb; PGlite too, but a string is tolerated). */
function keysOf(v: unknown): BudgetKey[] | null {
  const parsed = typeof v === "string" ? (JSON.parse(v) as unknown) : v;
  return Array.isArray(parsed) && parsed.length ? (parsed as BudgetKey[]) : null;
}

export type StepExtension = {
  runId: string;
  ledgerId: string;
  /** The step about to start (2, 3, …): the ledger entry's key is reserve:<run_id>:<step>. */
  step: number;
  /** What the run holds beyond what its recorded steps cost (at least 0): the next step uses it first. */
  slack: number;
  /** Credits for the step's estimated input (reserved twice over, as a run's first), and per 1M output tokens. */
  inputCost: number;
  outputPerM: number;
  maxOutputTokens: number;
  /** The steps done so far, recorded in the same statement (the progress columns then describe the next step). */
  steps: unknown[];
};

/**
 * Reserves one more step of a running multi-step run (lib/credits/README.md, 12), ONE statement:
 * locks the run row (still running, its lease not claimed), then the org row, then a capped key's
 * row (the settlement's order); grants as many output tokens as the balance plus the run's slack
 * allow (at least one, up to maxOutputTokens); takes what the slack does not cover from the
 * balance with one `reserve` ledger entry (`reserve:<run_id>:<step>`, none when the slack covers
 * it), adds it to the run's reservation (and a capped key's counter, in the run's own cap period),
 * records the steps so far and resets the progress columns for the new step. Null when the step
 * cannot be afforded (or the run is no longer running): nothing was written.
 */
export async function extendRunReservation(db: DbOrTx, e: StepExtension): Promise<{ extra: number; maxOutputTokens: number } | null> {
  const [row] = await executePrepared(
    db,
    sql`
    WITH run AS (
      SELECT id, org_id, api_key_id, cap_period_start
      FROM ${runById(e.runId)} r WHERE status = 'running' AND lease_epoch = 0
    ), cur AS (
      SELECT o.id, o.credit_balance AS old FROM orgs o JOIN run ON o.id = run.org_id FOR UPDATE OF o
    ), kc AS (
      -- Only while the key is still in the run's cap period: the settlement gives back in that period only.
      SELECT k.id, k.credit_cap AS cap, k.cap_used AS used FROM api_keys k, run
      WHERE k.id = run.api_key_id AND run.cap_period_start IS NOT NULL AND k.cap_period_start = run.cap_period_start
        AND k.credit_cap IS NOT NULL
      FOR NO KEY UPDATE OF k
    ), calc AS (
      SELECT cur.id, old, LEAST(
        ${e.maxOutputTokens}::bigint,
        FLOOR((old + ${e.slack} - ${e.inputCost}) * 1000000 / NULLIF(${e.outputPerM}::numeric, 0))::bigint,
        (SELECT FLOOR((kc.cap - kc.used + ${e.slack} - ${e.inputCost}) * 1000000 / NULLIF(${e.outputPerM}::numeric, 0))::bigint FROM kc)
      ) AS granted FROM cur
    ), res AS (
      SELECT id, old, granted,
             GREATEST(0, ${e.inputCost} + CEIL(granted * ${e.outputPerM}::numeric / 1000000)::bigint - ${e.slack}) AS extra
      FROM calc WHERE granted >= 1 AND old >= 0
    ), upd AS (
      UPDATE orgs o SET credit_balance = r.old - r.extra FROM res r WHERE o.id = r.id
      RETURNING o.credit_balance AS balance_after, r.extra, r.granted
    ), kupd AS (
      UPDATE api_keys k SET cap_used = kc.used + upd.extra FROM kc, upd WHERE k.id = kc.id AND upd.extra > 0
      RETURNING k.id
    ), led AS (
      INSERT INTO credit_ledger (id, org_id, run_id, kind, amount, balance_after, idempotency_key)
      SELECT ${e.ledgerId}, (SELECT org_id FROM run), ${e.runId}, 'reserve', -extra, balance_after, ${`reserve:${e.runId}:${e.step}`}
      FROM upd WHERE extra > 0
      RETURNING id
    ), ur AS (
      UPDATE runs SET credits_reserved = credits_reserved + upd.extra, max_output_tokens = upd.granted,
        steps = ${JSON.stringify(e.steps)}::jsonb, sent_at = NULL, sent_model = NULL, input_tokens = 0, output_tokens = 0
      FROM upd WHERE runs.id = (SELECT id FROM run)
      RETURNING runs.id
    )
    SELECT upd.extra, upd.granted, (SELECT count(*) FROM led) AS ledger_rows, (SELECT count(*) FROM ur) AS run_rows,
           (SELECT count(*) FROM kupd) AS key_rows FROM upd`,
  );
  if (!row) return null;
  return { extra: Number(row.extra), maxOutputTokens: Number(row.granted) };
}

/**
 * Records a multi-step run's steps and why it stopped, just before its settlement; the progress
 * columns are reset with it, so a sweeper that claims the run before the settlement commits
 * charges the recorded steps and nothing twice. Only while the run is running and unclaimed.
 */
export async function recordRunSteps(
  db: DbOrTx,
  { runId, steps, stopReason, continuation = null }: { runId: string; steps: unknown[]; stopReason: string; continuation?: unknown },
) {
  await db.execute(sql`
    UPDATE runs SET steps = ${JSON.stringify(steps)}::jsonb, stop_reason = ${stopReason},
      continuation = ${continuation === null ? null : JSON.stringify(continuation)}::jsonb,
      sent_at = NULL, sent_model = NULL, input_tokens = 0, output_tokens = 0
    WHERE id = ${runId} AND status = 'running' AND lease_epoch = 0`);
}
