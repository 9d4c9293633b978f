import "server-only";
import { getDb } from "@/db";
import { getEvalRun, getEvalSettings, listEvalCases, listEvalResults, listEvalRuns } from "@/db/queries/evals";
import { getWorkflow, listWorkflowVersions } from "@/db/queries/workflows";
import type { EvalResult, EvalRun } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { isId } from "@/lib/ids";
import { MAX_EVAL_CASES } from "./schemas";

/**
 * The evals page of a workflow: its dataset, the gate, recent eval runs, and two eval runs side by
 * side — `a` and `b` when named, else the newest eval of the draft against the newest eval of the
 * production version (or of any version).
 */
export async function evalsPageData(orgId: string, workflowId: string, pick: { a?: string; b?: string } = {}) {
  const db = await getDb();
  const wf = await getWorkflow(db, { orgId, workflowId });
  if (!wf || wf.archivedAt) throw new AppError("workflow_not_found");
  const [cases, evalRuns, settings, versions] = await Promise.all([
    listEvalCases(db, { orgId, workflowId, limit: MAX_EVAL_CASES }),
    listEvalRuns(db, { orgId, workflowId, limit: 20 }),
    getEvalSettings(db, { orgId, workflowId }),
    listWorkflowVersions(db, { orgId, workflowId }),
  ]);
  const named = async (id: string | undefined) => {
    if (!id || !isId.evalRun(id)) return undefined;
    const r = await getEvalRun(db, { orgId, evalRunId: id });
    return r?.workflowId === workflowId ? r : undefined;
  };
  const a = (await named(pick.a)) ?? evalRuns.find((r) => r.versionId === null && r.status === "completed");
  const b =
    (await named(pick.b)) ??
    evalRuns.find((r) => r.versionId === wf.publishedVersionId && r.status === "completed" && r.id !== a?.id) ??
    evalRuns.find((r) => r.versionId !== null && r.status === "completed" && r.id !== a?.id);
  const side = async (r: EvalRun | undefined) =>
    r ? { run: r, results: new Map((await listEvalResults(db, r.id)).map((x) => [x.caseId, x] as [string, EvalResult])) } : null;
  return {
    workflow: wf,
    cases,
    evalRuns,
    requirePassingEval: settings?.requirePassingEval ?? false,
    versions: versions.map((v) => v.version),
    compare: { a: await side(a), b: await side(b) },
  };
}
