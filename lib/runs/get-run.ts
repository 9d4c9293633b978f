import "server-only";
import { getDb } from "@/db";
import { getRun } from "@/db/queries/runs";
import type { Run } from "@/db/schema";
import type { Principal } from "@/lib/auth/principal";
import { runVisibleTo, type Viewer } from "@/lib/auth/visibility";
import { AppError } from "@/lib/errors";
import { isId } from "@/lib/ids";
import { redactionNote } from "@/lib/retention/redaction-note";
import type { RunRecord } from "./schemas";

/** A run as the API shows it: the /run response's fields, plus its state and timings. */
export function serializeRun(r: Run): RunRecord {
  return {
    run_id: r.id,
    workflow_id: r.workflowId,
    version_id: r.versionId,
    assignment: r.assignment,
    status: r.status,
    result: r.output,
    citations: r.citations,
    usage: { input_tokens: r.inputTokens, output_tokens: r.outputTokens, total_tokens: r.inputTokens + r.outputTokens },
    credits_charged: r.creditsCharged,
    error_code: r.errorCode,
    source: r.source,
    protocol: r.protocol,
    model: r.model,
    user: r.endUser,
    session_id: r.sessionId,
    created_at: r.createdAt.toISOString(),
    finished_at: r.finishedAt?.toISOString() ?? null,
    first_token_ms: r.firstTokenMs,
    latency_ms: r.latencyMs,
    attempts: r.attempts ?? [],
    redacted_at: r.redactedAt?.toISOString() ?? null,
    redaction: r.redactedAt ? redactionNote(r.redactedAfterDays) : null,
    steps: r.steps ?? [],
    required_action: requiredActionOf(r),
    continued_by: r.continuedBy,
    stop_reason: (r.stopReason as RunRecord["stop_reason"]) ?? null,
    finish_reason: r.toolCalls?.length ? "tool_calls" : null,
    tool_calls: r.toolCalls ?? [],
  };
}

/** How long a run that stopped for client tool calls takes their outputs (it holds no credits meanwhile: it is settled). */
export const TOOL_OUTPUTS_WINDOW_MS = 10 * 60_000;

/** A run still waiting for its client tool outputs: the calls and until when; null otherwise (answered, expired, or none). */
export function requiredActionOf(r: Run, now = Date.now()): RunRecord["required_action"] {
  if (r.stopReason !== "tool_calls" || !r.continuation || r.continuedBy || r.status !== "completed" || !r.finishedAt) return null;
  const expires = r.finishedAt.getTime() + TOOL_OUTPUTS_WINDOW_MS;
  if (expires <= now) return null;
  return { type: "submit_tool_outputs", tool_calls: r.continuation.tool_calls, expires_at: new Date(expires).toISOString() };
}

/**
 * A run the caller may see. Another org's run is "not found", like one that never existed; so is
 * one outside a restricted key's workflows, or another end user's for a stream token (lib/auth/visibility.ts).
 */
export async function getRunOrThrow(principal: Viewer, runId: string) {
  if (!isId.run(runId)) throw new AppError("run_not_found");
  const run = await getRun(await getDb(), { orgId: principal.orgId, runId });
  if (!run || !runVisibleTo(principal, run)) throw new AppError("run_not_found");
  return run;
}

/** GET /api/v1/runs/:id */
export async function getRunForApi(principal: Principal, runId: string) {
  return { success: true as const, ...serializeRun(await getRunOrThrow(principal, runId)) };
}
