import { and, desc, eq, inArray, isNotNull, isNull, lt, notInArray, or, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { runs, workflowVersions, type Run, type RunToolCall } from "../schema";

/** Records the client tool calls a finished run ended with (not money: after its settlement, on its own). */
export async function setRunToolCalls(tx: DbOrTx, { runId, toolCalls }: { runId: string; toolCalls: RunToolCall[] }) {
  await tx.update(runs).set({ toolCalls }).where(eq(runs.id, runId));
}

export async function getRun(tx: DbOrTx, { orgId, runId }: { orgId: string; runId: string }) {
  const [row] = await tx
    .select()
    .from(runs)
    .where(and(eq(runs.id, runId), eq(runs.orgId, orgId)))
    .limit(1);
  return row;
}

/** Running runs whose last sign of life (heartbeat, else start) is before `before`, except `exclude` (this process's own). */
export async function listStaleRuns(tx: DbOrTx, before: Date, { limit = 100, exclude = [] }: { limit?: number; exclude?: string[] } = {}) {
  return tx
    .select({
      id: runs.id,
      orgId: runs.orgId,
      creditsReserved: runs.creditsReserved,
      model: runs.model,
      prices: runs.prices,
      sentAt: runs.sentAt,
      sentModel: runs.sentModel,
      inputTokens: runs.inputTokens,
      outputTokens: runs.outputTokens,
      output: runs.output,
      steps: runs.steps,
    })
    .from(runs)
    .where(
      and(
        eq(runs.status, "running"),
        sql`coalesce(${runs.heartbeatAt}, ${runs.createdAt}) < ${before.toISOString()}::timestamptz`,
        exclude.length ? notInArray(runs.id, exclude) : undefined,
      ),
    )
    .limit(limit);
}

// The heartbeat and the progress write touch every run of the instance at once, while runs settle
// one batch after another, each locking its runs (in id order) and then their org's row. Waiting
// for a run's lock in another order is a deadlock, which PostgreSQL only sees after
// deadlock_timeout (1 s): the settlement batch, and the streams waiting for its end, stood still
// that long (bench/README.md, round 11). So these two lock what they write in id order and step
// over a run that is locked: that run is being settled, and nothing they would write matters any more.

/** The instance running these runs is alive: their leases are renewed (never one the sweeper claimed: its epoch moved). */
export async function heartbeatRuns(tx: DbOrTx, runIds: string[]) {
  if (!runIds.length) return;
  const free = tx
    .select({ id: runs.id })
    .from(runs)
    .where(and(inArray(runs.id, runIds), eq(runs.status, "running"), eq(runs.leaseEpoch, 0)))
    .orderBy(runs.id)
    .for("update", { skipLocked: true });
  await tx
    .update(runs)
    .set({ heartbeatAt: sql`now()` })
    .where(inArray(runs.id, free));
}

/** Credits reserved by the org's runs still in flight: what will come back (at least in part) when they settle. */
export async function sumHeldCredits(tx: DbOrTx, orgId: string) {
  const [row] = await tx
    .select({ held: sql<string>`coalesce(sum(${runs.creditsReserved}), 0)` })
    .from(runs)
    .where(and(eq(runs.orgId, orgId), inArray(runs.status, ["running", "queued"])));
  return Number(row?.held ?? 0);
}

/** The org's queued (async, not started) runs: what suspending the org cancels (lib/operator). */
export async function listQueuedRunIds(tx: DbOrTx, orgId: string) {
  const rows = await tx
    .select({ id: runs.id })
    .from(runs)
    .where(and(eq(runs.orgId, orgId), eq(runs.status, "queued")));
  return rows.map((r) => r.id);
}

export type RunProgressUpdate = {
  id: string;
  output: string;
  outputTokens: number;
  /** The provider has the prompt: the input it is charged without a count, and the model called. */
  sent: { inputTokens: number; model: string | null } | null;
  /** Steps the run had recorded when this progress was read (multi-step runs): a write about an earlier step is dropped. */
  stepsDone?: number;
};

/**
 * Output so far of runs still running (finalizing overwrites it), and when each reached its
 * provider (kept from the first time), all in one statement. A run the sweeper claimed is no
 * longer running: nothing is written to it.
 */
export async function updateRunsProgress(tx: DbOrTx, updates: RunProgressUpdate[]) {
  if (!updates.length) return;
  const rows = updates.map((u) => ({
    id: u.id,
    output: u.output,
    outputTokens: u.outputTokens,
    sent: !!u.sent,
    inputTokens: u.sent?.inputTokens ?? 0,
    model: u.sent?.model ?? null,
    steps: u.stepsDone ?? 0,
  }));
  await tx.execute(sql`
    WITH v AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(id text, output text, "outputTokens" int, sent boolean, "inputTokens" int, model text, steps int)
    ), free AS (
      SELECT r.id FROM runs r JOIN v ON r.id = v.id
      WHERE r.status = 'running' AND coalesce(jsonb_array_length(r.steps), 0) = v.steps
      ORDER BY r.id FOR UPDATE OF r SKIP LOCKED
    )
    UPDATE runs SET output = v.output, output_tokens = v."outputTokens",
      input_tokens = CASE WHEN v.sent THEN v."inputTokens" ELSE runs.input_tokens END,
      sent_at = CASE WHEN v.sent THEN coalesce(runs.sent_at, now()) ELSE runs.sent_at END,
      sent_model = CASE WHEN v.sent THEN coalesce(v.model, runs.sent_model) ELSE runs.sent_model END
    FROM v WHERE runs.id = v.id AND runs.id IN (SELECT id FROM free)`);
}

/** Flags a running run for cancellation; returns the run when it was running. */
export async function requestRunCancel(tx: DbOrTx, { orgId, runId }: { orgId: string; runId: string }) {
  const [row] = await tx
    .update(runs)
    .set({ cancelRequestedAt: new Date() })
    .where(and(eq(runs.id, runId), eq(runs.orgId, orgId), eq(runs.status, "running")))
    .returning({ id: runs.id });
  return row;
}

export async function listCancelRequested(tx: DbOrTx, runIds: string[]) {
  if (!runIds.length) return [];
  const rows = await tx
    .select({ id: runs.id })
    .from(runs)
    .where(and(inArray(runs.id, runIds), eq(runs.status, "running"), isNotNull(runs.cancelRequestedAt)));
  return rows.map((r) => r.id);
}

export type RunListFilter = {
  orgId: string;
  workflowId?: string;
  status?: Run["status"];
  source?: Run["source"];
  limit: number;
  after?: { createdAt: Date; id: string };
  /** A workflow-scoped caller sees only these workflows' runs. */
  workflowIds?: string[] | null;
};

/** Newest first, keyset-paginated on (created_at, id). */
export async function listRuns(tx: DbOrTx, f: RunListFilter) {
  const conds: SQL[] = [eq(runs.orgId, f.orgId)];
  if (f.workflowId) conds.push(eq(runs.workflowId, f.workflowId));
  if (f.status) conds.push(eq(runs.status, f.status));
  if (f.source) conds.push(eq(runs.source, f.source));
  if (f.workflowIds) conds.push(inArray(runs.workflowId, f.workflowIds));
  if (f.after) conds.push(or(lt(runs.createdAt, f.after.createdAt), and(eq(runs.createdAt, f.after.createdAt), lt(runs.id, f.after.id)))!);
  return tx
    .select()
    .from(runs)
    .where(and(...conds))
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(f.limit);
}

export type UsageGroupBy = "user" | "key" | "workflow";

/** Tokens, credits and runs per end user, key or workflow, between two instants. */
export async function sumUsage(
  tx: DbOrTx,
  { orgId, groupBy, from, to, workflowIds }: { orgId: string; groupBy: UsageGroupBy; from: Date; to: Date; workflowIds?: string[] | null },
) {
  const col = groupBy === "user" ? runs.endUser : groupBy === "key" ? runs.apiKeyId : runs.workflowId;
  return tx
    .select({
      group: col,
      runs: sql<number>`count(*)::int`,
      inputTokens: sql<number>`coalesce(sum(${runs.inputTokens}), 0)::int`,
      outputTokens: sql<number>`coalesce(sum(${runs.outputTokens}), 0)::int`,
      credits: sql<number>`coalesce(sum(${runs.creditsCharged}), 0)::bigint`,
    })
    .from(runs)
    .where(
      and(
        eq(runs.orgId, orgId),
        sql`${runs.createdAt} >= ${from.toISOString()}`,
        sql`${runs.createdAt} < ${to.toISOString()}`,
        workflowIds ? inArray(runs.workflowId, workflowIds) : undefined,
      ),
    )
    .groupBy(col)
    .orderBy(sql`5 desc`);
}

/** A session's finished turns, oldest first, with the template each was rendered from. */
/**
 * A session's turns, newest first: runs sharing its id that completed or were canceled, within
 * the caller's workflows and — when `endUser` is given (null: runs with none) — of that end user.
 * `ids` narrows to turns already chosen by their size (sessionTurnSizes).
 */
export async function listSessionTurns(tx: DbOrTx, f: SessionTurnFilter & { ids?: string[] }) {
  return tx
    .select({
      id: runs.id,
      workflowId: runs.workflowId,
      status: runs.status,
      inputs: runs.inputs,
      output: runs.output,
      createdAt: runs.createdAt,
      template: workflowVersions.template,
    })
    .from(runs)
    .leftJoin(workflowVersions, eq(workflowVersions.id, runs.versionId))
    .where(and(sessionTurns(f), f.ids ? inArray(runs.id, f.ids) : undefined))
    .orderBy(desc(runs.createdAt))
    .limit(f.limit ?? 200);
}

/** The same turns' sizes in characters (inputs and output), without reading them: what a history budget is decided on. */
export async function sessionTurnSizes(tx: DbOrTx, f: SessionTurnFilter) {
  return tx
    .select({
      id: runs.id,
      chars: sql<number>`(length(${runs.inputs}::text) + length(${runs.output}) + coalesce(length(${workflowVersions.template}), 0))::int`,
    })
    .from(runs)
    .leftJoin(workflowVersions, eq(workflowVersions.id, runs.versionId))
    .where(sessionTurns(f))
    .orderBy(desc(runs.createdAt))
    .limit(f.limit ?? 200);
}

type SessionTurnFilter = { orgId: string; sessionId: string; limit?: number; workflowIds?: string[] | null; endUser?: string | null };

function sessionTurns({ orgId, sessionId, workflowIds, endUser }: SessionTurnFilter) {
  return and(
    eq(runs.orgId, orgId),
    eq(runs.sessionId, sessionId),
    or(eq(runs.status, "completed"), eq(runs.status, "canceled")),
    workflowIds ? inArray(runs.workflowId, workflowIds) : undefined,
    endUser === undefined ? undefined : endUser === null ? isNull(runs.endUser) : eq(runs.endUser, endUser),
  );
}

/** Runs, tokens and credits per UTC day since `from` (the dashboard's charts). */
export async function usagePerDay(tx: DbOrTx, { orgId, from }: { orgId: string; from: Date }) {
  const day = sql<string>`to_char(date_trunc('day', ${runs.createdAt} at time zone 'UTC'), 'YYYY-MM-DD')`;
  return tx
    .select({
      day,
      runs: sql<number>`count(*)::int`,
      tokens: sql<number>`coalesce(sum(${runs.inputTokens} + ${runs.outputTokens}), 0)::int`,
      credits: sql<number>`coalesce(sum(${runs.creditsCharged}), 0)::int`,
    })
    .from(runs)
    .where(and(eq(runs.orgId, orgId), sql`${runs.createdAt} >= ${from.toISOString()}`))
    .groupBy(day)
    .orderBy(day);
}

/** A queued (async) run taken by a queue worker: now "running", with a first heartbeat. Undefined when it is no longer queued (canceled). */
export async function startQueuedRun(tx: DbOrTx, runId: string) {
  const [row] = await tx
    .update(runs)
    .set({ status: "running", heartbeatAt: sql`now()` })
    .where(and(eq(runs.id, runId), eq(runs.status, "queued")))
    .returning();
  return row;
}

/** Marks a run waiting for tool outputs as answered by `by` (once: null when another answer came first). */
export async function claimContinuation(tx: DbOrTx, { orgId, runId, by }: { orgId: string; runId: string; by: string }) {
  const [row] = await tx
    .update(runs)
    .set({ continuedBy: by })
    .where(and(eq(runs.id, runId), eq(runs.orgId, orgId), isNull(runs.continuedBy), eq(runs.stopReason, "tool_calls")))
    .returning({ id: runs.id });
  return !!row;
}

/** Gives a claimed continuation back (its run could not start, or failed): the caller may answer again. */
export async function releaseContinuation(tx: DbOrTx, { orgId, runId, by }: { orgId: string; runId: string; by: string }) {
  await tx
    .update(runs)
    .set({ continuedBy: null })
    .where(and(eq(runs.id, runId), eq(runs.orgId, orgId), eq(runs.continuedBy, by)));
}
