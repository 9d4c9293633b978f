import "server-only";
import { getBackgroundDb, type DbOrTx } from "@/db";
import { deleteJob, insertJob } from "@/db/queries/jobs";
import { getRun } from "@/db/queries/runs";
import { insertWebhookDeliveries, listSubscribedEndpoints } from "@/db/queries/webhooks";
import type { Job, RunStatus, WebhookEvent } from "@/db/schema";
import { newId } from "@/lib/ids";
import { kickJobs, type JobHandler } from "@/lib/queue/worker";

/**
 * Queues the event for every endpoint of the org that wants it: a delivery row and its job,
 * written with `tx` — pass the transaction of the change the event reports (a publish, a label
 * move), so both commit or neither does. Call kickJobs() after the commit to send it at once.
 * `data` is what every endpoint gets (ids, usage; never a secret); `privateData` (inputs, output)
 * only endpoints that opted in.
 */
export async function emitWebhookEvent(
  tx: DbOrTx,
  {
    orgId,
    type,
    data,
    privateData = {},
  }: { orgId: string; type: WebhookEvent; data: Record<string, unknown>; privateData?: Record<string, unknown> },
): Promise<number> {
  const endpoints = await listSubscribedEndpoints(tx, { orgId, event: type });
  if (!endpoints.length) return 0;
  const timestamp = new Date().toISOString();
  const rows = endpoints.map((ep) => ({
    id: newId.webhookMessage(),
    orgId,
    endpointId: ep.id,
    eventType: type,
    payload: { type, timestamp, data: ep.includeData ? { ...data, ...privateData } : data },
  }));
  await insertWebhookDeliveries(tx, rows);
  for (const r of rows) await insertJob(tx, { kind: "webhook", payload: { deliveryId: r.id }, orgId, groupKey: r.endpointId });
  return rows.length;
}

const RUN_EVENTS: Partial<Record<RunStatus, WebhookEvent>> = { completed: "run.completed", failed: "run.failed", canceled: "run.canceled" };

/**
 * run.completed / run.failed / run.canceled. Whoever settles a run (its finisher, a cancel while
 * queued, the orphan sweeper) records a `run-event` job in the settlement's own statement
 * (db/queries/run-ledger.ts, runEventOutbox) when the org has an endpoint that wants it; this
 * handler turns the job into the endpoints' deliveries, in one transaction with the job's removal.
 * A process that dies before it ran leaves the job leased, and another instance takes it when the
 * lease ends: the event is not lost, and deliveries are never queued twice.
 */
export const runEventJobHandler = (): JobHandler => ({ handle: fanOutRunEvent, concurrency: 4, leaseMs: 60_000 });

async function fanOutRunEvent(job: Job) {
  const { org_id: orgId, run_id: runId } = job.payload as { org_id: string; run_id: string };
  const db = await getBackgroundDb();
  const queued = await db.transaction(async (tx) => {
    const run = await getRun(tx, { orgId, runId });
    const type = run && RUN_EVENTS[run.status];
    let n = 0;
    if (run && type) {
      const data = {
        run_id: run.id,
        workflow_id: run.workflowId,
        version_id: run.versionId,
        status: run.status,
        source: run.source,
        model: run.model,
        usage: { input_tokens: run.inputTokens, output_tokens: run.outputTokens, total_tokens: run.totalTokens },
        credits_charged: run.creditsCharged,
        error_code: run.errorCode,
        user: run.endUser,
        session_id: run.sessionId,
        created_at: run.createdAt.toISOString(),
        finished_at: run.finishedAt?.toISOString() ?? null,
      };
      n = await emitWebhookEvent(tx, { orgId, type, data, privateData: { inputs: run.inputs, output: run.output } });
    }
    await deleteJob(tx, job.id);
    return n;
  });
  if (queued) kickJobs();
}
