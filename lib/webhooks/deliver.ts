import "server-only";
import { getBackgroundDb } from "@/db";
import { deleteJob, releaseJob } from "@/db/queries/jobs";
import { getDeliveryWithEndpoint, markEndpointFailing, markEndpointHealthy, recordDeliveryAttempt, type AttemptOutcome } from "@/db/queries/webhooks";
import type { Job } from "@/db/schema";
import { isAppError } from "@/lib/errors";
import type { JobHandler } from "@/lib/queue/worker";
import { parseWebhookUrl, postPinned, resolveAllowedAddress } from "./outbound";
import { signWebhook } from "./sign";
import { inBackground, noticeWebhookDisabled } from "@/lib/notices/send-notice";

// Deliveries, at least once: a delivery's job is deleted only after a 2xx was recorded; a failure
// reschedules it on the backoff below (about a day in all), and a worker that dies mid-attempt
// leaves the job leased until another claims it. Receivers deduplicate on webhook-id.

/** Waits after the 1st, 2nd, … failed attempt (the Standard Webhooks / Svix schedule): 27.6 h in all. */
export const RETRY_SCHEDULE_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000];
/** An endpoint whose every delivery has failed for this long is disabled. */
export const DISABLE_AFTER_MS = 24 * 3600_000;
const TIMEOUT_MS = 10_000;

export const webhookJobHandler = (): JobHandler => ({ handle: deliverWebhook, concurrency: 8, leaseMs: 60_000 });

async function deliverWebhook(job: Job) {
  const { deliveryId } = job.payload as { deliveryId: string };
  const db = await getBackgroundDb();
  const row = await getDeliveryWithEndpoint(db, deliveryId);
  if (!row || row.delivery.status !== "pending") return deleteJob(db, job.id);
  const { delivery, endpoint } = row;
  if (endpoint.disabledAt) {
    await recordDeliveryAttempt(db, { deliveryId, outcome: { status: null, latencyMs: null, response: null, error: `endpoint disabled: ${endpoint.disabledReason ?? ""}` }, final: "failed", next: null });
    return deleteJob(db, job.id);
  }
  const outcome = await attempt(endpoint, delivery.id, JSON.stringify(delivery.payload));
  if (outcome.status !== null && outcome.status >= 200 && outcome.status < 300) {
    await recordDeliveryAttempt(db, { deliveryId, outcome, final: "delivered", next: null });
    await markEndpointHealthy(db, endpoint.id);
    return deleteJob(db, job.id);
  }
  const why = outcome.error ?? `HTTP ${outcome.status}`;
  const reason = `Every delivery failed for 24 hours (last: ${why})`;
  const { disabled, justDisabled } = await markEndpointFailing(db, { endpointId: endpoint.id, reason, disableAfterMs: DISABLE_AFTER_MS });
  if (justDisabled) inBackground("webhook disabled", noticeWebhookDisabled({ orgId: endpoint.orgId, endpointUrl: endpoint.url, reason }));
  const wait = disabled ? undefined : RETRY_SCHEDULE_MS[job.attempts - 1];
  if (wait === undefined) {
    await recordDeliveryAttempt(db, { deliveryId, outcome, final: "failed", next: null });
    return deleteJob(db, job.id);
  }
  const next = new Date(Date.now() + wait);
  await recordDeliveryAttempt(db, { deliveryId, outcome, final: null, next });
  await releaseJob(db, job.id, next);
}

/** One signed POST, to the address checked just now. */
async function attempt(endpoint: { url: string; secret: string }, id: string, body: string): Promise<AttemptOutcome> {
  try {
    const url = parseWebhookUrl(endpoint.url);
    const pinned = await resolveAllowedAddress(url);
    const headers = { "content-type": "application/json", "user-agent": "Flowgate-Webhooks/1", ...signWebhook(endpoint.secret, id, new Date(), body) };
    const res = await postPinned(url, pinned, headers, body, TIMEOUT_MS);
    return { status: res.status, latencyMs: res.latencyMs, response: res.body, error: null };
  } catch (e) {
    // Our own refusals (SSRF, a name that does not resolve) say why; a network error says what it was.
    const message = isAppError(e) ? e.message : ((e as NodeJS.ErrnoException).code ?? (e as Error).message ?? "request failed");
    return { status: null, latencyMs: null, response: null, error: String(message).slice(0, 500) };
  }
}
