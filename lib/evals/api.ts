import "server-only";
import { z } from "zod";
import { getDb } from "@/db";
import { getEvalRun, listEvalCases, listEvalResults } from "@/db/queries/evals";
import type { Principal } from "@/lib/auth/principal";
import { assertWorkflowVisible } from "@/lib/auth/visibility";
import { AppError } from "@/lib/errors";
import { isId } from "@/lib/ids";
import { queueEval, summarize } from "./run-eval";
import { MAX_EVAL_CASES } from "./schemas";

// Evals over the management API (CI): queue one, then follow it by its id (docs/ci.md).

export const startEvalBody = z
  .object({
    version: z.union([z.literal("draft"), z.int().min(1).max(999_999_999)]).default("draft"),
  })
  .strict();

/** What an answer shows of a case's output: enough to read, bounded (the dataset page has it all). */
const OUTPUT_CHARS = 4_000;

const check = z.object({
  type: z.string(),
  ok: z.boolean(),
  message: z.string(),
  score: z.number().optional(),
  reason: z.string().optional(),
  run_id: z.string().optional(),
});

export const evalSummary = z.object({
  eval_id: z.string(),
  workflow_id: z.string(),
  target: z.string(),
  status: z.enum(["queued", "running", "completed", "failed"]),
  cases: z.int(),
  passed: z.int(),
  failed: z.int(),
  credits_charged: z.int(),
  ok: z.boolean(),
  error: z.string().nullable(),
});

export const evalRecordResponse = z.object({
  success: z.literal(true),
  ...evalSummary.shape,
  created_at: z.string(),
  finished_at: z.string().nullable(),
  results: z.array(
    z.object({
      case_id: z.string(),
      name: z.string(),
      passed: z.boolean(),
      checks: z.array(check),
      error: z.string().nullable(),
      output: z.string(),
      output_truncated: z.boolean(),
      run_id: z.string().nullable(),
      output_tokens: z.int(),
      total_tokens: z.int(),
      latency_ms: z.int().nullable(),
      credits_charged: z.int(),
    }),
  ),
});

const summary = (s: ReturnType<typeof summarize>) => ({
  eval_id: s.eval_id,
  workflow_id: s.workflow_id,
  target: s.target,
  status: s.status as z.infer<typeof evalSummary>["status"],
  cases: s.cases,
  passed: s.passed,
  failed: s.failed,
  credits_charged: s.credits_charged,
  ok: s.ok,
  error: s.error,
});

/** POST /api/v1/workflows/{id}/evals: 202 with the eval's id; the queue runs it. */
export async function startEvalForApi(principal: Principal, workflowId: string, target: "draft" | number) {
  assertWorkflowVisible(principal, workflowId);
  const s = await queueEval({ orgId: principal.orgId, workflowId, target, actorId: principal.keyId });
  return Response.json({ success: true, ...summary(s) }, { status: 202, headers: { location: `/api/v1/evals/${s.eval_id}` } });
}

/** GET /api/v1/evals/{id}: status, totals and per-case results, for the key's org and workflows. */
export async function getEvalForApi(principal: Principal, evalId: string): Promise<z.input<typeof evalRecordResponse>> {
  const notFound = new AppError("not_found", "Eval not found");
  if (!isId.evalRun(evalId)) throw notFound;
  const db = await getDb();
  const er = await getEvalRun(db, { orgId: principal.orgId, evalRunId: evalId });
  if (!er) throw notFound;
  try {
    assertWorkflowVisible(principal, er.workflowId);
  } catch {
    throw notFound;
  }
  const [results, cases] = await Promise.all([
    listEvalResults(db, er.id),
    listEvalCases(db, { orgId: principal.orgId, workflowId: er.workflowId, limit: MAX_EVAL_CASES }),
  ]);
  const names = new Map(cases.map((c) => [c.id, c.name]));
  return {
    success: true,
    ...summary(summarize(er)),
    created_at: er.createdAt.toISOString(),
    finished_at: er.finishedAt?.toISOString() ?? null,
    results: results.map((r) => ({
      case_id: r.caseId,
      name: names.get(r.caseId) ?? "",
      passed: r.passed,
      checks: r.checks,
      error: r.error,
      output: r.output.slice(0, OUTPUT_CHARS),
      output_truncated: r.output.length > OUTPUT_CHARS,
      run_id: r.runId,
      output_tokens: r.outputTokens,
      total_tokens: r.totalTokens,
      latency_ms: r.latencyMs,
      credits_charged: r.creditsCharged,
    })),
  };
}
