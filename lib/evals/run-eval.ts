import "server-only";
import { getDb } from "@/db";
import { finishEvalRun, insertEvalResult, insertEvalRun, listEvalCases } from "@/db/queries/evals";
import { getWorkflowVersion } from "@/db/queries/workflows";
import type { EvalCase, WorkflowVersion } from "@/db/schema";
import type { SessionPrincipal } from "@/lib/auth/principal";
import { isAppError, AppError } from "@/lib/errors";
import { isId, newId } from "@/lib/ids";
import { logger } from "@/lib/logger";
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

/**
 * Runs the draft or a version over the workflow's dataset, at most EVAL_CONCURRENCY cases at a
 * time. Each case is a real run (source `eval`) through the one run pipeline: reserved, charged
 * and settled like any other, so the ledger stays exact. A case that cannot start (inputs that do
 * not fit the version, no credits left) fails with its reason; the eval goes on with the others.
 */
export async function runEval({ orgId, workflowId, target, actorId = null, concurrency = EVAL_CONCURRENCY }: {
  orgId: string; workflowId: string; target: EvalTarget; actorId?: string | null; concurrency?: number;
}) {
  const version = await versionFor(orgId, workflowId, target);
  const db = await getDb();
  const cases = await listEvalCases(db, { orgId, workflowId, limit: MAX_EVAL_CASES });
  if (!cases.length) throw new AppError("invalid_request", "The dataset is empty: add test cases first");
  assertCasesWithinBounds(cases);
  const evalRun = await insertEvalRun(db, {
    id: newId.evalRun(), orgId, workflowId, versionId: isDraft(version) ? null : version.id, version: isDraft(version) ? null : version.version,
    contentHash: contentHashOf(version), createdBy: actorId,
  });
  // The dashboard user (or the system, from the CLI) runs it, as in the playground: no key, the org pays.
  const principal: SessionPrincipal = { keyId: null, orgId, rateLimitPerMinute: null, userId: actorId ?? "system" };
  try {
    await forEachBounded(cases, Math.max(1, Math.min(concurrency, EVAL_CONCURRENCY)), (c) => runCase(evalRun.id, principal, version, c));
    return summarize(await finishEvalRun(db, { evalRunId: evalRun.id, status: "completed" }));
  } catch (e) {
    await finishEvalRun(db, { evalRunId: evalRun.id, status: "failed" });
    throw e;
  }
}

async function runCase(evalRunId: string, principal: SessionPrincipal, version: WorkflowVersion, c: EvalCase) {
  const db = await getDb();
  const base = { evalRunId, caseId: c.id };
  try {
    const { run, execute } = await openRun({
      principal, version, source: "eval", protocol: "json", fields: {}, shape: () => ({ vars: c.inputs, history: [] }),
    });
    const { result, done } = await execute({});
    const measured = {
      runId: run.id, output: result.text, outputTokens: done.outputTokens, totalTokens: done.totalTokens,
      latencyMs: done.latencyMs, creditsCharged: done.creditsCharged,
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

export function summarize(r: { id: string; workflowId: string; version: number | null; status: string; cases: number; passed: number; failed: number; creditsCharged: number }) {
  return {
    eval_run_id: r.id, workflow_id: r.workflowId, target: r.version === null ? "draft" : `v${r.version}`, status: r.status,
    cases: r.cases, passed: r.passed, failed: r.failed, credits_charged: r.creditsCharged, ok: r.status === "completed" && r.failed === 0,
  };
}
