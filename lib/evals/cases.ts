import "server-only";
import { getDb, type DbOrTx } from "@/db";
import { countEvalCases, deleteEvalCase, insertEvalCases } from "@/db/queries/evals";
import { getWorkflow } from "@/db/queries/workflows";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { getRunOrThrow } from "@/lib/runs/get-run";
import { parseInputOrThrow } from "@/lib/validation/parse-input";
import { parseCases } from "./import-cases";
import { MAX_EVAL_CASES, newEvalCase, type NewEvalCase } from "./schemas";

// A workflow's dataset: test cases created in the dashboard, added from a past run, or imported.

async function assertLiveWorkflow(db: DbOrTx, orgId: string, workflowId: string) {
  const wf = await getWorkflow(db, { orgId, workflowId });
  if (!wf || wf.archivedAt) throw new AppError("workflow_not_found");
  return wf;
}

async function saveCases(orgId: string, workflowId: string, cases: NewEvalCase[], sourceRunId: string | null = null) {
  const db = await getDb();
  await assertLiveWorkflow(db, orgId, workflowId);
  const have = await countEvalCases(db, { orgId, workflowId });
  if (have + cases.length > MAX_EVAL_CASES) {
    throw new AppError("invalid_request", `A dataset holds at most ${MAX_EVAL_CASES} cases (it has ${have}, adding ${cases.length})`);
  }
  const now = Date.now();
  return insertEvalCases(db, cases.map((c, i) => ({
    id: newId.evalCase(), orgId, workflowId, name: c.name || `Case ${have + i + 1}`, inputs: c.inputs, expectations: c.expectations, sourceRunId,
    // Distinct timestamps keep the import's order (the dataset lists and runs oldest first).
    createdAt: new Date(now + i),
  })));
}

export async function createEvalCase({ orgId, workflowId, input }: { orgId: string; workflowId: string; input: unknown }) {
  const [row] = await saveCases(orgId, workflowId, [parseInputOrThrow(newEvalCase, input)]);
  return { case_id: row!.id };
}

/**
 * "Add to dataset" on a run's page: the run's inputs become a case of its workflow, expecting the
 * output it gave (a regression check: the next version must answer the same).
 */
export async function addCaseFromRun({ orgId, runId }: { orgId: string; runId: string }) {
  const run = await getRunOrThrow({ orgId }, runId);
  if (run.status !== "completed") throw new AppError("invalid_request", `Only a completed run can become a test case (this one is ${run.status})`);
  const c = parseInputOrThrow(newEvalCase, { name: `From ${run.id}`, inputs: run.inputs, expectations: [{ type: "equals", value: run.output }] });
  const [row] = await saveCases(orgId, run.workflowId, [c], run.id);
  return { case_id: row!.id, workflow_id: run.workflowId };
}

/** JSONL or CSV: all lines are checked; nothing is saved unless every line is good. */
export async function importEvalCases({ orgId, workflowId, text, format }: { orgId: string; workflowId: string; text: string; format: "jsonl" | "csv" }) {
  const { cases, errors } = parseCases(text, format);
  if (errors.length) return { imported: 0, errors: errors.slice(0, 100) };
  if (!cases.length) return { imported: 0, errors: [{ line: 1, error: "no cases in the file" }] };
  const rows = await saveCases(orgId, workflowId, cases);
  return { imported: rows.length, errors: [] };
}

export async function removeEvalCase({ orgId, workflowId, caseId }: { orgId: string; workflowId: string; caseId: string }) {
  if (!(await deleteEvalCase(await getDb(), { orgId, workflowId, caseId }))) throw new AppError("not_found", "Test case not found");
  return { deleted: caseId };
}
