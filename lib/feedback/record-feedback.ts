import "server-only";
import { getDb } from "@/db";
import { upsertFeedback } from "@/db/queries/feedback";
import type { Principal } from "@/lib/auth/principal";
import { getRunOrThrow } from "@/lib/runs/get-run";
import type { FeedbackBody } from "./schemas";

/**
 * POST /api/v1/runs/:id/feedback. Only a run the caller may see takes feedback (getRunOrThrow): a
 * key its org's runs, a stream token — a browser — only its own key's and end user's; anything
 * else is the same 404 as a run that does not exist.
 */
export async function recordFeedback(principal: Principal, runId: string, body: FeedbackBody) {
  const run = await getRunOrThrow(principal, runId);
  const row = await upsertFeedback(await getDb(), {
    runId: run.id,
    orgId: run.orgId,
    workflowId: run.workflowId,
    score: body.score,
    comment: body.comment ?? null,
    apiKeyId: principal.keyId,
    endUser: principal.endUser ?? null,
  });
  return { success: true as const, run_id: row.runId, score: row.score, comment: row.comment, updated_at: row.updatedAt.toISOString() };
}
