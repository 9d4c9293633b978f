import "server-only";
import { getDb, type DbOrTx } from "@/db";
import { insertJob } from "@/db/queries/jobs";
import { getRun } from "@/db/queries/runs";
import { insertWebhookDeliveries, listSubscribedEndpoints } from "@/db/queries/webhooks";
import type { RunStatus, WebhookEvent } from "@/db/schema";
import { newId } from "@/lib/ids";
import { logger } from "@/lib/logger";
import { kickJobs } from "@/lib/queue/worker";

/**
 * Queues the event for every endpoint of the org that wants it: a delivery row and its job,
 * written with `tx` — pass the transaction of the change the event reports (a publish, a label
 * move), so both commit or neither does. Call kickJobs() after the commit to send it at once.
 * `data` is what every endpoint gets (ids, usage; never a secret); `privateData` (inputs, output)
 * only endpoints that opted in.
 */
export async function emitWebhookEvent(
  tx: DbOrTx,
  { orgId, type, data, privateData = {} }: { orgId: string; type: WebhookEvent; data: Record<string, unknown>; privateData?: Record<string, unknown> },
): Promise<number> {
  const endpoints = await listSubscribedEndpoints(tx, { orgId, event: type });
  if (!endpoints.length) return 0;
  const timestamp = new Date().toISOString();
  const rows = endpoints.map((ep) => ({
    id: newId.webhookMessage(), orgId, endpointId: ep.id, eventType: type,
    payload: { type, timestamp, data: ep.includeData ? { ...data, ...privateData } : data },
  }));
  await insertWebhookDeliveries(tx, rows);
  for (const r of rows) await insertJob(tx, { kind: "webhook", payload: { deliveryId: r.id } });
  return rows.length;
}

const RUN_EVENTS: Partial<Record<RunStatus, WebhookEvent>> = { completed: "run.completed", failed: "run.failed", canceled: "run.canceled" };

/**
 * run.completed / run.failed / run.canceled, once the run is final and settled (by its finisher,
 * a cancel while queued, or the orphan sweeper). Best effort after the settlement's commit: a
 * process that dies in between loses the event (the run record keeps the truth).
 */
export async function emitRunEvent({ orgId, runId, status }: { orgId: string; runId: string; status: RunStatus }) {
  try {
    const type = RUN_EVENTS[status];
    const db = await getDb();
    // One indexed lookup on every run's path; the run is read only when someone listens.
    if (!type || !(await listSubscribedEndpoints(db, { orgId, event: type })).length) return;
    const run = await getRun(db, { orgId, runId });
    if (!run) return;
    const data = {
      run_id: run.id, workflow_id: run.workflowId, version_id: run.versionId, status: run.status, source: run.source, model: run.model,
      usage: { input_tokens: run.inputTokens, output_tokens: run.outputTokens, total_tokens: run.totalTokens },
      credits_charged: run.creditsCharged, error_code: run.errorCode, user: run.endUser, session_id: run.sessionId,
      created_at: run.createdAt.toISOString(), finished_at: run.finishedAt?.toISOString() ?? null,
    };
    await db.transaction((tx) => emitWebhookEvent(tx, { orgId, type, data, privateData: { inputs: run.inputs, output: run.output } }));
    kickJobs();
  } catch (err) {
    logger.warn("could not queue the run's webhook event", { runId, err });
  }
}
