import "server-only";
import { getDb, type DbOrTx } from "@/db";
import { countEvalCases, deleteEvalCase, insertEvalCases } from "@/db/queries/evals";
import { getWorkflow, lockWorkflow } from "@/db/queries/workflows";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { getRunOrThrow } from "@/lib/runs/get-run";
import { parseInputOrThrow } from "@/lib/validation/parse-input";
import { regexSyntaxErrors } from "./expectations";
import { assertImportSize, parseCases, type ImportLineError } from "./import-cases";
import { MAX_EVAL_CASES, newEvalCase, type NewEvalCase } from "./schemas";

// A workflow's dataset: test cases created in the dashboard, added from a past run, or imported.

async function assertLiveWorkflow(db: DbOrTx, orgId: string, workflowId: string) {
  const wf = await getWorkflow(db, { orgId, workflowId });
  if (!wf || wf.archivedAt) throw new AppError("workflow_not_found");
  return wf;
}

function assertRoom(have: number, adding: number) {
  if (have + adding > MAX_EVAL_CASES) {
    throw new AppError("invalid_request", `A dataset holds at most ${MAX_EVAL_CASES} cases (it has ${have}, adding ${adding})`, {
      limit: MAX_EVAL_CASES,
    });
  }
}

/**
 * Authorizes and counts before any regex is compiled (a cheap refusal first: another org's
 * workflow is a 404 whatever the cases hold), then compiles the cases' patterns in a worker.
 */
async function authorizeAndCount(orgId: string, workflowId: string, adding: number) {
  const db = await getDb();
  await assertLiveWorkflow(db, orgId, workflowId);
  assertRoom(await countEvalCases(db, { orgId, workflowId }), adding);
}

/**
 * Counts and inserts under the workflow's row lock, so concurrent saves cannot pass the
 * MAX_EVAL_CASES check together (the check before the lock is only the early refusal).
 */
async function saveCases(orgId: string, workflowId: string, cases: NewEvalCase[], sourceRunId: string | null = null) {
  return (await getDb()).transaction(async (tx) => {
    const wf = await lockWorkflow(tx, { orgId, workflowId });
    if (!wf || wf.archivedAt) throw new AppError("workflow_not_found");
    const have = await countEvalCases(tx, { orgId, workflowId });
    assertRoom(have, cases.length);
    const now = Date.now();
    return insertEvalCases(
      tx,
      cases.map((c, i) => ({
        id: newId.evalCase(),
        orgId,
        workflowId,
        name: c.name || `Case ${have + i + 1}`,
        inputs: c.inputs,
        expectations: c.expectations,
        sourceRunId,
        // Distinct timestamps keep the import's order (the dataset lists and runs oldest first).
        createdAt: new Date(now + i),
      })),
    );
  });
}

export async function createEvalCase({ orgId, workflowId, input }: { orgId: string; workflowId: string; input: unknown }) {
  await authorizeAndCount(orgId, workflowId, 1);
  const c = parseInputOrThrow(newEvalCase, input);
  const [bad] = await regexSyntaxErrors([c]);
  if (bad) throw new AppError("invalid_request", `expectations[${bad.expectation}].pattern ${bad.message}`);
  const [row] = await saveCases(orgId, workflowId, [c]);
  return { case_id: row!.id };
}

/**
 * "Add to dataset" on a run's page: the run's inputs become a case of its workflow, expecting the
 * output it gave (a regression check: the next version must answer the same).
 */
export async function addCaseFromRun({ orgId, runId }: { orgId: string; runId: string }) {
  const run = await getRunOrThrow({ orgId }, runId);
  if (run.status !== "completed")
    throw new AppError("invalid_request", `Only a completed run can become a test case (this one is ${run.status})`);
  const c = parseInputOrThrow(newEvalCase, {
    name: `From ${run.id}`,
    inputs: run.inputs,
    expectations: [{ type: "equals", value: run.output }],
  });
  const [row] = await saveCases(orgId, run.workflowId, [c], run.id);
  return { case_id: row!.id, workflow_id: run.workflowId };
}

/**
 * JSONL or CSV: all lines are checked; nothing is saved unless every line is good. The order is
 * the cost order: size, then the workflow (404), then each line's shape and bounds, then the
 * dataset's room, and only then are the patterns compiled (in a worker).
 */
export async function importEvalCases({
  orgId,
  workflowId,
  text,
  format,
}: {
  orgId: string;
  workflowId: string;
  text: string;
  format: "jsonl" | "csv";
}) {
  assertImportSize(text);
  await assertLiveWorkflow(await getDb(), orgId, workflowId);
  const { cases, lines, errors } = parseCases(text, format);
  if (!cases.length && !errors.length) return { imported: 0, errors: [{ line: 1, error: "no cases in the file" }] };
  await authorizeAndCount(orgId, workflowId, cases.length);
  const syntax: ImportLineError[] = (await regexSyntaxErrors(cases)).map((e) => ({
    line: lines[e.index]!,
    error: `expectations.${e.expectation}.pattern: ${e.message}`,
  }));
  const all = [...errors, ...syntax].sort((a, b) => a.line - b.line);
  if (all.length) return { imported: 0, errors: all.slice(0, 100) };
  const rows = await saveCases(orgId, workflowId, cases);
  return { imported: rows.length, errors: [] };
}

export async function removeEvalCase({ orgId, workflowId, caseId }: { orgId: string; workflowId: string; caseId: string }) {
  if (!(await deleteEvalCase(await getDb(), { orgId, workflowId, caseId }))) throw new AppError("not_found", "Test case not found");
  return { deleted: caseId };
}
