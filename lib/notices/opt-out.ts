import "server-only";
import { and, eq } from "drizzle-orm";
import { getDb } from "@/db";
import { member, noticeOptOuts, organization } from "@/db/schema";
import { readUnsubscribeToken } from "./unsubscribe";

const TOPIC_LABEL = { balance: "credit balance", webhooks: "webhook", budgets: "budget" } as const;

/** What an unsubscribe link would stop, for its page; null when the link is not valid. */
export async function describeUnsubscribe(token: string) {
  const t = readUnsubscribeToken(token);
  if (!t) return null;
  const [org] = await (await getDb()).select({ name: organization.name }).from(organization).where(eq(organization.id, t.orgId));
  return { orgName: org?.name ?? "an organization", topic: TOPIC_LABEL[t.topic] };
}

/** Records the opt-out (idempotent). Only for someone still in the org: a stale link does nothing. */
export async function stopNotices(token: string): Promise<{ ok: boolean }> {
  const t = typeof token === "string" ? readUnsubscribeToken(token) : null;
  if (!t) return { ok: false };
  const db = await getDb();
  const [m] = await db
    .select({ id: member.id })
    .from(member)
    .where(and(eq(member.organizationId, t.orgId), eq(member.userId, t.userId)));
  if (m) await db.insert(noticeOptOuts).values(t).onConflictDoNothing();
  return { ok: true };
}
