import "server-only";
import { getDb } from "@/db";
import {
  countActiveEvalRuns,
  finishEvalRun,
  getEvalRun,
  insertEvalResult,
  insertEvalRun,
  listEvalCases,
  listEvalResults,
  markEvalRunning,
} from "@/db/queries/evals";
import { deleteJob, insertJob } from "@/db/queries/jobs";
import { getWorkflowVersion, lockWorkflow } from "@/db/queries/workflows";
import type { EvalCase, Job, WorkflowVersion } from "@/db/schema";
import type { UserPrincipal } from "@/lib/auth/principal";
import { assertOrgActive } from "@/lib/auth/org-suspension";
import { isAppError, AppError } from "@/lib/errors";
import { isId, newId } from "@/lib/ids";
import { logger } from "@/lib/logger";
import { kickJobs, type JobHandler } from "@/lib/queue/worker";
import { emitWebhookEvent } from "@/lib/webhooks/emit-event";
import { openRun } from "@/lib/runs/open-run";
import { isDraft, loadDraftAsVersion } from "@/lib/runs/prepare-run";
import { contentHashOf } from "./content-hash";
import { checkAll, type JudgeFn } from "./expectations";
import { runJudge } from "./judge";
import { regexBoundError } from "./regex-bounds";
import { EVAL_CONCURRENCY, MAX_EVAL_CASES } from "./schemas";

/** What an eval runs: the draft as saved now, or a published version by number. */
export type EvalTarget = "draft" | number;

async function versionFor(orgId: string, workflowId: string, target: EvalTarget): Promise<WorkflowVersion> {
  if (target === "draft") return loadDraftAsVersion(orgId, workflowId);
  if (!isId.workflow(workflowId)) throw new AppError("workflow_not_found");
  const v = await getWorkflowVersion(await getDb(), { orgId, workflowId, version: target });
  if (!v) throw new AppError("workflow_not_found", `Workflow not found (no version ${target})`);
  return v;
}

/** Checks what an eval needs before it is created: the target exists, the dataset is not empty and within the bounds. */
async function admitEval(orgId: string, workflowId: string, target: EvalTarget) {
  await assertOrgActive(orgId);
  const version = await versionFor(orgId, workflowId, target);
  const cases = await listEvalCases(await getDb(), { orgId, workflowId, limit: MAX_EVAL_CASES });
  if (!cases.length) throw new AppError("invalid_request", "The dataset is empty: add test cases first");
  assertCasesWithinBounds(cases);
  return {
    id: newId.evalRun(),
    orgId,
    workflowId,
    versionId: isDraft(version) ? null : version.id,
    version: isDraft(version) ? null : version.version,
    contentHash: contentHashOf(version),
  };
}

/**
 * Runs the draft or a version over the workflow's dataset now, in this process (the admin CLI,
 * which has no queue worker). The dashboard and the API queue it instead (queueEval).
 */
export async function runEval({
  orgId,
  workflowId,
  target,
  actorId = null,
  concurrency = EVAL_CONCURRENCY,
}: {
  orgId: string;
  workflowId: string;
  target: EvalTarget;
  actorId?: string | null;
  concurrency?: number;
}) {
  const row = await admitEval(orgId, workflowId, target);
  await insertEvalRun(await getDb(), { ...row, status: "running", createdBy: actorId });
  return (await executeEval(orgId, row.id, concurrency))!;
}

/** Evals of one workflow queued or running at once (each may be 500 charged runs). */
export const MAX_ACTIVE_EVALS = 3;

/** How long a claim holds an eval job; the worker extends it while the eval runs (lib/queue/worker.ts), so a dead instance's eval resumes elsewhere after this. */
const EVAL_JOB_LEASE_MS = 60_000;

/**
 * Queues an eval (dashboard, POST /api/v1/workflows/{id}/evals): checked and created as `queued`
 * with its job in one transaction, run by any instance's queue worker (evalJobHandler).
 */
export async function queueEval({
  orgId,
  workflowId,
  target,
  actorId = null,
}: {
  orgId: string;
  workflowId: string;
  target: EvalTarget;
  actorId?: string | null;
}) {
  const row = await admitEval(orgId, workflowId, target);
  const created = await (
    await getDb()
  ).transaction(async (tx) => {
    // Counted and inserted under the workflow's row lock: concurrent requests cannot pass together.
    const wf = await lockWorkflow(tx, { orgId, workflowId });
    if (!wf || wf.archivedAt) throw new AppError("workflow_not_found");
    if ((await countActiveEvalRuns(tx, { orgId, workflowId })) >= MAX_ACTIVE_EVALS) {
      throw new AppError("rate_limited", undefined, {
        reason: "too_many_evals",
        limit: MAX_ACTIVE_EVALS,
        retry_after: 30,
        detail: `At most ${MAX_ACTIVE_EVALS} evals of a workflow may be queued or running at once: wait for one to finish`,
      });
    }
    const r = await insertEvalRun(tx, { ...row, status: "queued", createdBy: actorId });
    await insertJob(tx, { kind: "eval", payload: { evalRunId: r.id, orgId }, orgId });
    return r;
  });
  kickJobs();
  return summarize(created);
}

/**
 * The queue's handler for evals: two at a time per instance (each runs EVAL_CONCURRENCY cases at
 * once), and one org's evals one at a time across instances (the queue's per-org share).
 */
export const evalJobHandler = (): JobHandler => ({ handle: evalJob, concurrency: 2, leaseMs: EVAL_JOB_LEASE_MS, orgShare: 1 });

async function evalJob(job: Job) {
  const { evalRunId, orgId } = job.payload as { evalRunId: string; orgId: string };
  await executeEval(orgId, evalRunId);
  await deleteJob(await getDb(), job.id);
}

/**
 * Runs an eval run's cases, at most EVAL_CONCURRENCY at a time. Each case is a real run (source
 * `eval`) through the one run pipeline: reserved, charged and settled like any other, so the
 * ledger stays exact. A case that cannot start (inputs that do not fit the version, no credits
 * left) fails with its reason; the eval goes on with the others. A case that already has a result
 * is not run again: a worker that died mid-eval leaves the rest to the next claim of the job.
 */
async function executeEval(orgId: string, evalRunId: string, concurrency = EVAL_CONCURRENCY) {
  const db = await getDb();
  const er = await getEvalRun(db, { orgId, evalRunId });
  if (!er) return null;
  if (er.status !== "queued" && er.status !== "running") return summarize(er);
  let version: WorkflowVersion;
  try {
    version = await versionFor(orgId, er.workflowId, er.version ?? "draft");
  } catch (e) {
    return finish(evalRunId, "failed", isAppError(e) ? e.message : "The eval could not start");
  }
  // The draft is read when the eval starts: its hash (the publish gate's) is of what ran.
  await markEvalRunning(db, { evalRunId, contentHash: contentHashOf(version) });
  const cases = await listEvalCases(db, { orgId, workflowId: er.workflowId, limit: MAX_EVAL_CASES });
  const done = new Set((await listEvalResults(db, evalRunId)).map((r) => r.caseId));
  // The dashboard user (or the system: CLI, API) runs it, as in the playground: no key, the org pays.
  const principal: UserPrincipal = { keyId: null, orgId, rateLimitPerMinute: null, userId: er.createdBy ?? "system" };
  try {
    await forEachBounded(
      cases.filter((c) => !done.has(c.id)),
      Math.max(1, Math.min(concurrency, EVAL_CONCURRENCY)),
      (c) => runCase(evalRunId, principal, version, c),
    );
    return await finish(evalRunId, "completed");
  } catch (e) {
    await finish(evalRunId, "failed", "The eval stopped with an internal error");
    throw e;
  }
}

/** Ends the eval run with its totals and queues its `eval.completed` webhook event, in one transaction. */
async function finish(evalRunId: string, status: "completed" | "failed", error: string | null = null) {
  const db = await getDb();
  const { row, queued } = await db.transaction(async (tx) => {
    const r = await finishEvalRun(tx, { evalRunId, status, error });
    const n = await emitWebhookEvent(tx, { orgId: r.orgId, type: "eval.completed", data: summarize(r) });
    return { row: r, queued: n };
  });
  if (queued) kickJobs();
  return summarize(row);
}

async function runCase(evalRunId: string, principal: UserPrincipal, version: WorkflowVersion, c: EvalCase) {
  const db = await getDb();
  const base = { evalRunId, caseId: c.id };
  try {
    // An operator may suspend the org mid-eval: the cases not started yet fail with the reason.
    await assertOrgActive(principal.orgId);
    const { run, execute } = await openRun({
      principal,
      version,
      source: "eval",
      protocol: "json",
      fields: {},
      shape: () => ({ vars: c.inputs, history: [] }),
    });
    const { result, done } = await execute({});
    const measured = {
      runId: run.id,
      output: result.text,
      outputTokens: done.outputTokens,
      totalTokens: done.totalTokens,
      latencyMs: done.latencyMs,
      creditsCharged: done.creditsCharged,
    };
    if (result.error) {
      await insertEvalResult(db, { ...base, ...measured, passed: false, checks: [], error: result.error.message });
    } else {
      // Judges are charged runs of their own: the case's credits are its run's and its judges'.
      let judged = 0;
      const judge: JudgeFn = async (e) => {
        const r = await runJudge({ principal, workflowId: version.workflowId, e, inputs: c.inputs, output: result.text });
        judged += r.creditsCharged;
        return r.check;
      };
      const checked = await checkAll(c.expectations, result.text, done.outputTokens, version.outputSchema ?? null, { judge });
      await insertEvalResult(db, { ...base, ...measured, creditsCharged: measured.creditsCharged + judged, ...checked });
    }
  } catch (e) {
    // Refused before it ran (bad inputs for this version, 402): nothing was charged.
    if (!isAppError(e)) logger.error("eval case failed", { evalRunId, caseId: c.id, err: e });
    await insertEvalResult(db, { ...base, passed: false, checks: [], error: isAppError(e) ? e.message : "The case could not run" });
  }
}

/**
 * A case saved before the regex bounds existed is refused here, before anything runs or is
 * charged: the eval answers 400 naming the case and the limit (fix or remove the case).
 */
function assertCasesWithinBounds(cases: EvalCase[]) {
  for (const c of cases) {
    for (const [i, e] of c.expectations.entries()) {
      const over = e.type === "regex" ? regexBoundError(e.pattern) : null;
      if (over) throw new AppError("invalid_request", `Case "${c.name.slice(0, 80)}" (${c.id}): expectations[${i}].pattern regex: ${over}`);
    }
  }
}

/** Runs fn over items with at most `limit` in flight; waits for all of them. */
export async function forEachBounded<T>(items: T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

export function summarize(r: {
  id: string;
  workflowId: string;
  version: number | null;
  status: string;
  cases: number;
  passed: number;
  failed: number;
  creditsCharged: number;
  error?: string | null;
}) {
  return {
    eval_run_id: r.id,
    eval_id: r.id,
    workflow_id: r.workflowId,
    error: r.error ?? null,
    target: r.version === null ? "draft" : `v${r.version}`,
    status: r.status,
    cases: r.cases,
    passed: r.passed,
    failed: r.failed,
    credits_charged: r.creditsCharged,
    ok: r.status === "completed" && r.failed === 0,
  };
}
