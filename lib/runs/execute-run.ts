import type { KeyScope } from "@/lib/auth/api-keys";
import type { WorkflowVersion } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { callWithRetries, failureBody } from "@/lib/llm/call-with-retries";
import { finishRun } from "./finish-run";
import { parseInputOrThrow } from "@/lib/validation/parse-input";
import { prepareRun } from "./prepare-run";
import { runSignal } from "./run-signal";
import { runBody, type RunResponse } from "./schemas";
import { startRun } from "./start-run";

/** POST /api/v1/run/:id — runs the published version to completion and returns the seed's body. */
export async function executeRun({
  orgId, apiKeyId, workflowId, body, clientSignal, endUser, version, scope, checkKey = false,
}: {
  orgId: string; apiKeyId: string | null; workflowId: string; body: Record<string, unknown>; clientSignal?: AbortSignal; endUser?: string | null;
  /** The calling key's scope (credit cap). */
  scope?: KeyScope;
  version?: WorkflowVersion;
  /** Called by the API with a verified (possibly cached) key: see startRun. */
  checkKey?: boolean;
}): Promise<RunResponse> {
  const fields = parseInputOrThrow(runBody, body);
  const sessionId = fields.session_id ?? null;
  const prepared = await prepareRun({ orgId, workflowId, body, sessionId, version, workflowIds: scope?.workflowIds ?? null });
  const startedAt = performance.now();
  const user = endUser ?? fields.user?.slice(0, 200) ?? null;
  const run = await startRun(prepared, { source: "api", protocol: "json", apiKeyId, endUser: user, sessionId, signal: clientSignal, scope, checkKey });
  const sig = runSignal(clientSignal, run);
  const result = await callWithRetries({
    route: prepared.route, prompt: prepared.prompt, maxOutputTokens: run.maxOutputTokens,
    temperature: prepared.version.temperature, signal: sig.signal,
    inputTokensEstimate: run.inputTokensEstimate, progress: sig.progress,
  }).finally(sig.dispose);
  const done = await finishRun(run, result, startedAt);
  if (result.error) {
    throw new AppError("internal_server_error", undefined, { run_id: run.id, ...failureBody(result) });
  }
  return {
    success: true,
    run_id: run.id,
    status: "completed",
    result: result.text,
    citations: result.citations,
    usage: { input_tokens: done.inputTokens, output_tokens: done.outputTokens, total_tokens: done.totalTokens },
    credits_charged: done.creditsCharged,
  };
}
