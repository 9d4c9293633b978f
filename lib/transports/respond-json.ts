import { getDb } from "@/db";
import { getWorkflowVersionById } from "@/db/queries/workflows";
import { AppError } from "@/lib/errors";
import { checkOutput } from "@/lib/workflows/output-schema";
import type { Principal } from "@/lib/auth/principal";
import { getRunOrThrow, requiredActionOf, TOOL_OUTPUTS_WINDOW_MS } from "@/lib/runs/get-run";
import { completeRun, type RunRequest } from "@/lib/runs/open-run";
import { runFailedError } from "./run-failure";
import type { RunRecord, RunResponse } from "@/lib/runs/schemas";

/** The documented /run body, from a live run or from its record: one shape for both. */
function runBody(r: {
  runId: string;
  text: string;
  output?: unknown;
  citations: string[];
  usage: { inputTokens: number; outputTokens: number; totalTokens: number };
  creditsCharged: number;
  stopReason?: string;
  /** Set when the run stopped for client tool calls: POST /run answers requires_action. */
  requiredAction?: RunRecord["required_action"];
  previousRunId?: string;
}): RunResponse {
  return {
    success: true,
    run_id: r.runId,
    status: r.requiredAction ? "requires_action" : "completed",
    ...(r.requiredAction ? { tool_calls: r.requiredAction.tool_calls, expires_at: r.requiredAction.expires_at } : {}),
    ...(r.previousRunId ? { previous_run_id: r.previousRunId } : {}),
    result: r.text,
    ...(r.output !== undefined ? { output: r.output } : {}),
    citations: r.citations,
    usage: { input_tokens: r.usage.inputTokens, output_tokens: r.usage.outputTokens, total_tokens: r.usage.totalTokens },
    credits_charged: r.creditsCharged,
    ...(r.stopReason === "stop" || r.stopReason === "tool_calls" || r.stopReason === "max_steps" || r.stopReason === "insufficient_credits"
      ? { stop_reason: r.stopReason }
      : {}),
  };
}

/**
 * The answer of a finished run, from its record: for an idempotent repeat whose first request died
 * before it could record the answer it gave. A workflow with an output schema gets its `output`
 * back too: the recorded text is the answer that passed the schema.
 */
export async function answerOfRun(principal: Principal, runId: string): Promise<RunResponse> {
  const run = await getRunOrThrow(principal, runId);
  if (run.status !== "completed")
    throw new AppError("internal_server_error", undefined, { run_id: run.id, status: run.status, error_code: run.errorCode });
  const version = run.versionId ? await getWorkflowVersionById(await getDb(), { orgId: run.orgId, versionId: run.versionId }) : undefined;
  const checked = version?.outputSchema ? checkOutput(version.outputSchema, run.output) : undefined;
  return runBody({
    runId: run.id,
    text: run.output,
    output: checked?.ok ? checked.output : undefined,
    citations: run.citations,
    usage: run,
    creditsCharged: run.creditsCharged,
    stopReason: run.stopReason ?? undefined,
    requiredAction: requiredActionOf(run),
  });
}

/** POST /api/v1/run/:id — runs the version to completion and answers the documented body. */
export async function respondJson(
  r: Omit<RunRequest, "protocol" | "source">,
  clientSignal?: AbortSignal,
  o: { previousRunId?: string } = {},
): Promise<RunResponse> {
  const { run, result, done, output, steps } = await completeRun({ ...r, source: "api", protocol: "json" }, clientSignal);
  if (result.error) throw runFailedError(run.id, result);
  return runBody({
    runId: run.id,
    text: result.text,
    output,
    citations: result.citations,
    usage: done,
    creditsCharged: done.creditsCharged,
    stopReason: steps?.stopReason,
    // The run is settled; its calls wait for the caller's outputs until the window closes (nothing is held meanwhile).
    requiredAction:
      steps?.stopReason === "tool_calls"
        ? {
            type: "submit_tool_outputs",
            tool_calls: result.toolCalls.map((c) => ({ id: c.toolCallId, name: c.toolName, arguments: c.input })),
            expires_at: new Date(Date.now() + TOOL_OUTPUTS_WINDOW_MS).toISOString(),
          }
        : undefined,
    previousRunId: o.previousRunId,
  });
}
