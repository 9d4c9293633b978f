import { AppError } from "@/lib/errors";
import { failureBody } from "@/lib/llm/call-with-retries";
import type { Principal } from "@/lib/auth/principal";
import { getRunOrThrow } from "./get-run";
import { openRun, type RunRequest } from "./open-run";
import type { RunResponse } from "./schemas";

/** Runs the version to completion (no streaming): a run that fails is the 500 that names it. */
export async function completeRun(r: RunRequest, clientSignal?: AbortSignal) {
  const { run, execute } = await openRun({ ...r, signal: clientSignal });
  const outcome = await execute({ clientSignal: r.runId ? undefined : clientSignal });
  if (outcome.result.error) throw new AppError("internal_server_error", undefined, { run_id: run.id, ...failureBody(outcome.result) });
  return { run, ...outcome };
}

/**
 * The answer of a finished run, from its record: for an idempotent repeat whose first request died
 * before it could record the answer it gave.
 */
export async function answerOfRun(principal: Principal, runId: string): Promise<RunResponse> {
  const run = await getRunOrThrow(principal, runId);
  if (run.status !== "completed") throw new AppError("internal_server_error", undefined, { run_id: run.id, status: run.status, error_code: run.errorCode });
  return {
    success: true, run_id: run.id, status: "completed", result: run.output, citations: run.citations,
    usage: { input_tokens: run.inputTokens, output_tokens: run.outputTokens, total_tokens: run.totalTokens }, credits_charged: run.creditsCharged,
  };
}

/** POST /api/v1/run/:id — runs the version to completion and answers the documented body. */
export async function respondJson(r: Omit<RunRequest, "protocol" | "source">, clientSignal?: AbortSignal): Promise<RunResponse> {
  const { run, result, done, output } = await completeRun({ ...r, source: "api", protocol: "json" }, clientSignal);
  return {
    success: true,
    run_id: run.id,
    status: "completed",
    result: result.text,
    ...(output !== undefined ? { output } : {}),
    citations: result.citations,
    usage: { input_tokens: done.inputTokens, output_tokens: done.outputTokens, total_tokens: done.totalTokens },
    credits_charged: done.creditsCharged,
  };
}
