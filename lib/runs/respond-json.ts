import { AppError } from "@/lib/errors";
import { openRun, type RunRequest } from "./open-run";
import type { RunResponse } from "./schemas";

/** POST /api/v1/run/:id — runs the version to completion and answers the documented body. */
export async function respondJson(r: Omit<RunRequest, "protocol" | "source">, clientSignal?: AbortSignal): Promise<RunResponse> {
  const { run, execute } = await openRun({ ...r, source: "api", protocol: "json", signal: clientSignal });
  const { result, done, output } = await execute({ clientSignal });
  if (result.error) throw new AppError("internal_server_error", undefined, { run_id: run.id, reason: result.error.code });
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
