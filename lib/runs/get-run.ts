import { getDb } from "@/db";
import { getRun } from "@/db/queries/runs";
import type { Run } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { isId } from "@/lib/ids";
import type { RunRecord } from "./schemas";

/** A run as the API shows it: the /run response's fields, plus its state and timings. */
export function serializeRun(r: Run): RunRecord {
  return {
    run_id: r.id,
    workflow_id: r.workflowId,
    version_id: r.versionId,
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
  };
}

/** GET /api/v1/runs/:id — another org's run is "not found", like one that never existed. */
export async function getRunOrThrow({ orgId, runId, workflowIds = null }: { orgId: string; runId: string; workflowIds?: string[] | null }) {
  if (!isId.run(runId)) throw new AppError("run_not_found");
  const run = await getRun(await getDb(), { orgId, runId });
  // Outside a scoped key's workflows, a run does not exist for it (like another org's).
  if (!run || (workflowIds && !workflowIds.includes(run.workflowId))) throw new AppError("run_not_found");
  return run;
}

export async function getRunForApi(a: { orgId: string; runId: string; workflowIds?: string[] | null }) {
  return { success: true as const, ...serializeRun(await getRunOrThrow(a)) };
}
