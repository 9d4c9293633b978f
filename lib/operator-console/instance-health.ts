import "server-only";
import { getDb } from "@/db";
import { jobQueueByKind, listRecentMail, mailByStatus, runsPerMinute, webhookDeliveriesPerHour } from "@/db/queries/operator-console";
import { JOB_KINDS, MAIL_STATUSES } from "@/db/schema";
import { fillSeries, lastHours, lastMinutes } from "./series";

/**
 * The instance's health for its operator: the job queue per kind (depth, due, leased, the oldest
 * job's age), runs and errors per minute over the last hour, webhook deliveries per hour over the
 * last day (and their failure rate), and the mail log. Every kind and bucket is present, with zeros.
 */
export async function instanceHealth(now = Date.now()) {
  const db = await getDb();
  const minutes = lastMinutes(60, now);
  const hours = lastHours(24, now);
  const [queue, perMinute, perHour, mail, recentMail] = await Promise.all([
    jobQueueByKind(db),
    runsPerMinute(db, { from: minutes.from }),
    webhookDeliveriesPerHour(db, { from: hours.from }),
    mailByStatus(db, { from: new Date(now - 86_400_000) }),
    listRecentMail(db, 50),
  ]);
  const webhooks = fillSeries(
    hours.keys,
    perHour,
    (h) => h.hour,
    (hour) => ({ hour, delivered: 0, failed: 0, pending: 0 }),
  );
  const settled = webhooks.reduce((n, h) => n + h.delivered + h.failed, 0);
  const failed = webhooks.reduce((n, h) => n + h.failed, 0);
  return {
    queue: JOB_KINDS.map((kind) => {
      const row = queue.find((q) => q.kind === kind);
      return {
        kind,
        depth: row?.depth ?? 0,
        due: row?.due ?? 0,
        leased: row?.leased ?? 0,
        oldestAgeS: row?.oldest ? Math.max(0, Math.round((now - row.oldest.getTime()) / 1000)) : 0,
      };
    }),
    runs: fillSeries(
      minutes.keys,
      perMinute,
      (m) => m.minute,
      (minute) => ({ minute, runs: 0, errors: 0 }),
    ),
    webhooks,
    /** Of the deliveries of the last 24 hours that are settled (delivered or given up), the share that failed; null: none. */
    webhookFailureRate: settled ? failed / settled : null,
    mail: MAIL_STATUSES.map((status) => ({ status, count: mail.find((m) => m.status === status)?.count ?? 0 })),
    recentMail,
  };
}
