import "server-only";
import { createHash } from "node:crypto";
import { and, eq, inArray, notExists, sql } from "drizzle-orm";
import { getBackgroundDb, getDb, type DbOrTx } from "@/db";
import { member, noticeOptOuts, organization, user, userClients, type NoticeTopic } from "@/db/schema";
import { logger } from "@/lib/logger";
import { sendMail } from "@/lib/mail/send-mail";
import type { MailMessage } from "@/lib/mail/templates";
import { describeClient } from "./describe-client";
import { unsubscribeUrl } from "./unsubscribe";

// Notices by mail (docs/account.md "Notices"): to an organization's owners and admins, each with
// an unsubscribe link for its topic; security notices (a new sign-in) go to the account itself
// and cannot be turned off.

/** The low-balance threshold of an org that set none, in credits. */
export const DEFAULT_LOW_BALANCE_THRESHOLD = 1000;

type OrgNotice =
  | { kind: "balance-low"; data: { balance: number; threshold: number } }
  | { kind: "balance-zero"; data: Record<string, never> }
  | { kind: "webhook-disabled"; data: { endpointUrl: string; reason: string } }
  | { kind: "topup-failed"; data: { amount: number; reason: string } }
  | { kind: "budget-crossed"; data: { budgetName: string; percent: number } };

const TOPIC: Record<OrgNotice["kind"], NoticeTopic> = {
  "balance-low": "balance",
  "balance-zero": "balance",
  "topup-failed": "balance",
  "webhook-disabled": "webhooks",
  "budget-crossed": "budgets",
};

/** Mails one notice to each owner and admin of the org who has not stopped its topic. Returns how many were queued. */
export async function sendOrgNotice(orgId: string, notice: OrgNotice, tx?: DbOrTx): Promise<number> {
  const db = tx ?? (await getDb());
  const topic = TOPIC[notice.kind];
  const rows = await db
    .select({ userId: user.id, email: user.email, orgName: organization.name })
    .from(member)
    .innerJoin(user, eq(user.id, member.userId))
    .innerJoin(organization, eq(organization.id, member.organizationId))
    .where(
      and(
        eq(member.organizationId, orgId),
        inArray(member.role, ["owner", "admin"]),
        notExists(
          db
            .select({ x: sql`1` })
            .from(noticeOptOuts)
            .where(and(eq(noticeOptOuts.userId, member.userId), eq(noticeOptOuts.orgId, orgId), eq(noticeOptOuts.topic, topic))),
        ),
      ),
    );
  for (const r of rows) {
    const data = { ...notice.data, orgName: r.orgName, unsubscribe: unsubscribeUrl({ userId: r.userId, orgId, topic }) };
    await sendMail({ kind: notice.kind, data, to: r.email } as MailMessage & { to: string }, tx, { orgId });
  }
  return rows.length;
}

/** A webhook endpoint was disabled after a day of failures (lib/webhooks/deliver.ts). */
export const noticeWebhookDisabled = ({ orgId, endpointUrl, reason }: { orgId: string; endpointUrl: string; reason: string }) =>
  sendOrgNotice(orgId, { kind: "webhook-disabled", data: { endpointUrl, reason } });

/** For billing: call when an automatic top-up fails (amount in credits, reason as shown to admins). */
export const noticeTopUpFailed = ({ orgId, amount, reason }: { orgId: string; amount: number; reason: string }, tx?: DbOrTx) =>
  sendOrgNotice(orgId, { kind: "topup-failed", data: { amount, reason } }, tx);

/** For budgets: call once when spending crosses a threshold of a budget (percent of its amount). */
export const noticeBudgetCrossed = ({ orgId, budgetName, percent }: { orgId: string; budgetName: string; percent: number }, tx?: DbOrTx) =>
  sendOrgNotice(orgId, { kind: "budget-crossed", data: { budgetName, percent } }, tx);

/**
 * Low and zero balance: one statement records each org's state (ok / low / zero against its
 * threshold) where it changed, and returns the changes, so with several instances sweeping each
 * change is mailed once. An org seen for the first time is recorded without a notice. Runs from
 * the server's sweeper (lib/boot.ts), away from the settlement path.
 */
export async function sweepBalanceNotices(): Promise<number> {
  const db = await getBackgroundDb();
  const changed = (await db.execute(sql`
    WITH cur AS (
      SELECT o.id AS org_id, o.credit_balance AS balance,
             coalesce(s.low_balance_threshold, ${DEFAULT_LOW_BALANCE_THRESHOLD}) AS threshold, s.balance_notice AS prev,
             CASE WHEN o.credit_balance <= 0 THEN 'zero'
                  WHEN o.credit_balance < coalesce(s.low_balance_threshold, ${DEFAULT_LOW_BALANCE_THRESHOLD}) THEN 'low' ELSE 'ok' END AS state
      FROM orgs o LEFT JOIN org_settings s ON s.org_id = o.id
    ), upd AS (
      INSERT INTO org_settings (org_id, balance_notice)
      SELECT org_id, state FROM cur WHERE prev IS DISTINCT FROM state
      ON CONFLICT (org_id) DO UPDATE SET balance_notice = EXCLUDED.balance_notice
        WHERE org_settings.balance_notice IS DISTINCT FROM EXCLUDED.balance_notice
      RETURNING org_id, balance_notice
    )
    SELECT upd.org_id, upd.balance_notice AS state, cur.prev, cur.balance, cur.threshold FROM upd JOIN cur USING (org_id)
  `)) as unknown as Array<{ org_id: string; state: string; prev: string | null; balance: string | number; threshold: string | number }>;
  const rows = Array.isArray(changed) ? changed : ((changed as { rows?: typeof changed }).rows ?? []);
  let sent = 0;
  for (const r of rows) {
    if (r.prev === null || r.state === "ok") continue;
    // low → zero is news; zero → low (some credits back, still low) is not.
    if (r.prev === "zero" && r.state === "low") continue;
    sent +=
      r.state === "zero"
        ? await sendOrgNotice(r.org_id, { kind: "balance-zero", data: {} })
        : await sendOrgNotice(r.org_id, { kind: "balance-low", data: { balance: Number(r.balance), threshold: Number(r.threshold) } });
  }
  return sent;
}

/**
 * After a session is created: an account signing in from a client (user agent) it has never
 * used is told so. The first client of an account (its sign-up) is recorded without a mail.
 */
export async function noticeNewClient({
  userId,
  userAgent,
  ipAddress,
}: {
  userId: string;
  userAgent: string | null | undefined;
  ipAddress: string | null | undefined;
}) {
  const db = await getDb();
  const clientHash = createHash("sha256")
    .update(userAgent ?? "")
    .digest("hex")
    .slice(0, 32);
  const inserted = await db
    .insert(userClients)
    .values({ userId, clientHash })
    .onConflictDoNothing()
    .returning({ userId: userClients.userId });
  if (!inserted.length) return false;
  const [{ n } = { n: 0 }] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(userClients)
    .where(eq(userClients.userId, userId));
  if (n < 2) return false;
  const [u] = await db.select({ email: user.email, name: user.name }).from(user).where(eq(user.id, userId));
  if (!u) return false;
  await sendMail({
    kind: "new-sign-in",
    to: u.email,
    data: {
      name: u.name,
      client: describeClient(userAgent),
      ip: ipAddress ?? null,
      at: `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
    },
  });
  return true;
}

/** Never lets a notice failure fail what caused it (a sign-in, a delivery): logged instead. */
export function inBackground(what: string, p: Promise<unknown>) {
  p.catch((err) => logger.warn(`notice failed: ${what}`, { err }));
}
