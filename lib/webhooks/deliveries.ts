import "server-only";
import { getDb } from "@/db";
import { insertJob } from "@/db/queries/jobs";
import { getDeliveryStatus, listWebhookDeliveries, resetDelivery } from "@/db/queries/webhooks";
import { AppError } from "@/lib/errors";
import { isId } from "@/lib/ids";
import { kickJobs } from "@/lib/queue/worker";

/** The delivery log an admin reads: newest first, each with its last attempt (status, latency, answer excerpt, error). */
export async function listDeliveries({ orgId, endpointId, limit }: { orgId: string; endpointId?: string; limit?: number }) {
  const rows = await listWebhookDeliveries(await getDb(), { orgId, endpointId, limit });
  return rows.map((d) => ({
    delivery_id: d.id,
    webhook_id: d.endpointId,
    event: d.eventType,
    status: d.status,
    attempts: d.attempts,
    last_status: d.lastStatus,
    last_latency_ms: d.lastLatencyMs,
    last_response: d.lastResponse,
    last_error: d.lastError,
    last_attempt_at: d.lastAttemptAt?.toISOString() ?? null,
    next_attempt_at: d.nextAttemptAt?.toISOString() ?? null,
    created_at: d.createdAt.toISOString(),
  }));
}

/**
 * Sends a delivery again, with the same webhook-id (receivers deduplicate on it), on a fresh retry
 * schedule. A delivery still pending (queued, in flight or waiting for a retry) is left as it is:
 * a repeated click never sends a second copy (resetDelivery decides, in one statement).
 */
export async function redeliverWebhook({ orgId, deliveryId }: { orgId: string; deliveryId: string }) {
  if (!isId.webhookMessage(deliveryId)) throw new AppError("not_found", "Delivery not found");
  const db = await getDb();
  const row = await db.transaction(async (tx) => {
    const d = await resetDelivery(tx, { orgId, deliveryId });
    if (d) await insertJob(tx, { kind: "webhook", payload: { deliveryId }, orgId, groupKey: d.endpointId });
    return d;
  });
  if (!row && !(await getDeliveryStatus(db, { orgId, deliveryId }))) throw new AppError("not_found", "Delivery not found");
  if (row) kickJobs();
  return { delivery_id: deliveryId, status: "pending" as const, redelivered: !!row };
}
