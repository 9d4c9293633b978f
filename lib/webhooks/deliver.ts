import "server-only";
import { getBackgroundDb } from "@/db";
import { deferGroupJobs, deferJob, deleteJob, releaseJob } from "@/db/queries/jobs";
import {
  clearEndpointTimeouts,
  getDeliveryWithEndpoint,
  markEndpointFailing,
  markEndpointHealthy,
  recordDeliveryAttempt,
  recordEndpointTimeout,
  type AttemptOutcome,
} from "@/db/queries/webhooks";
import type { Job } from "@/db/schema";
import { isAppError } from "@/lib/errors";
import type { JobHandler } from "@/lib/queue/worker";
import { NoAnswerError, parseWebhookUrl, postPinned, resolveAllowedAddress } from "./outbound";
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

// Slots (README "Retries, async runs and webhooks"): an instance delivers 8 at a time; one org's
// deliveries take at most 4 slots and one endpoint's at most 2, on all instances together
// (db/queries/jobs.ts, claimJobs), so a slow endpoint delays its own deliveries, not everyone's.
// And an endpoint that keeps not answering gets a circuit: after 3 attempts in a row with no answer
// in time, its deliveries wait (30 s, doubled with each further timeout, at most 10 min) as jobs
// not yet due — holding no slot — and then 1 or 2 attempts probe it.
export const WEBHOOK_CONCURRENCY = 8;
export const WEBHOOK_ORG_SHARE = 4;
export const WEBHOOK_ENDPOINT_CONCURRENCY = 2;
const CIRCUIT = { openAfter: 3, baseMs: 30_000, maxMs: 600_000 };

/** `timeoutMs`: how long a receiver has to answer (tests shorten it). */
export const webhookJobHandler = ({ timeoutMs = TIMEOUT_MS }: { timeoutMs?: number } = {}): JobHandler => ({
  handle: (job) => deliverWebhook(job, timeoutMs),
  concurrency: WEBHOOK_CONCURRENCY,
  orgShare: WEBHOOK_ORG_SHARE,
  groupShare: WEBHOOK_ENDPOINT_CONCURRENCY,
  leaseMs: 60_000,
});

async function deliverWebhook(job: Job, timeoutMs: number) {
  const { deliveryId } = job.payload as { deliveryId: string };
  const db = await getBackgroundDb();
  const row = await getDeliveryWithEndpoint(db, deliveryId);
  if (!row || row.delivery.status !== "pending") return deleteJob(db, job.id);
  const { delivery, endpoint } = row;
  if (endpoint.disabledAt) {
    await recordDeliveryAttempt(db, {
      deliveryId,
      outcome: { status: null, latencyMs: null, response: null, error: `endpoint disabled: ${endpoint.disabledReason ?? ""}` },
      final: "failed",
      next: null,
    });
    return deleteJob(db, job.id);
  }
  if (endpoint.circuitOpenUntil && endpoint.circuitOpenUntil > new Date())
    return waitForCircuit(job.id, endpoint.id, endpoint.circuitOpenUntil);
  const { timedOut, ...outcome } = await attempt(endpoint, delivery.id, JSON.stringify(delivery.payload), timeoutMs);
  if (outcome.status !== null) await clearEndpointTimeouts(db, endpoint.id);
  if (outcome.status !== null && outcome.status >= 200 && outcome.status < 300) {
    await recordDeliveryAttempt(db, { deliveryId, outcome, final: "delivered", next: null });
    await markEndpointHealthy(db, endpoint.id);
    return deleteJob(db, job.id);
  }
  const openUntil = timedOut ? await recordEndpointTimeout(db, { endpointId: endpoint.id, ...CIRCUIT }) : null;
  if (openUntil) await deferGroupJobs(db, { kind: "webhook", groupKey: endpoint.id, runAt: openUntil });
  const why = outcome.error ?? `HTTP ${outcome.status}`;
  const reason = `Every delivery failed for 24 hours (last: ${why})`;
  const { disabled, justDisabled } = await markEndpointFailing(db, { endpointId: endpoint.id, reason, disableAfterMs: DISABLE_AFTER_MS });
  if (justDisabled) inBackground("webhook disabled", noticeWebhookDisabled({ orgId: endpoint.orgId, endpointUrl: endpoint.url, reason }));
  const wait = disabled ? undefined : RETRY_SCHEDULE_MS[job.attempts - 1];
  if (wait === undefined) {
    await recordDeliveryAttempt(db, { deliveryId, outcome, final: "failed", next: null });
    return deleteJob(db, job.id);
  }
  const next = new Date(Math.max(Date.now() + wait, openUntil?.getTime() ?? 0));
  await recordDeliveryAttempt(db, { deliveryId, outcome, final: null, next });
  await releaseJob(db, job.id, next);
}

/** The endpoint's circuit is open: this delivery and its endpoint's others wait until it closes, unattempted. */
async function waitForCircuit(jobId: number, endpointId: string, until: Date) {
  const db = await getBackgroundDb();
  await deferGroupJobs(db, { kind: "webhook", groupKey: endpointId, runAt: until });
  await deferJob(db, jobId, until);
}

/** One signed POST, to the address checked just now. */
async function attempt(
  endpoint: { url: string; secret: string },
  id: string,
  body: string,
  timeoutMs: number,
): Promise<AttemptOutcome & { timedOut: boolean }> {
  try {
    const url = parseWebhookUrl(endpoint.url);
    const pinned = await resolveAllowedAddress(url);
    const headers = {
      "content-type": "application/json",
      "user-agent": "Flowgate-Webhooks/1",
      ...signWebhook(endpoint.secret, id, new Date(), body),
    };
    const res = await postPinned(url, pinned, headers, body, timeoutMs);
    return { status: res.status, latencyMs: res.latencyMs, response: res.body, error: null, timedOut: false };
  } catch (e) {
    // Our own refusals (SSRF, a name that does not resolve) say why; a network error says what it was.
    const message = isAppError(e) ? e.message : ((e as NodeJS.ErrnoException).code ?? (e as Error).message ?? "request failed");
    return { status: null, latencyMs: null, response: null, error: String(message).slice(0, 500), timedOut: e instanceof NoAnswerError };
  }
}
