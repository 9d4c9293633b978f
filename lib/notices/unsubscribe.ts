import "server-only";
import { createHmac, timingSafeEqual } from "node:crypto";
import { getAuthSecret } from "@/lib/secrets/instance-secret";
import { NOTICE_TOPICS, type NoticeTopic } from "@/db/schema";
import { instanceUrl } from "@/lib/public-base-url";

// Unsubscribe links: the user, org and topic, signed with the instance's auth secret, so a link
// works without signing in and cannot be forged for someone else. It stops one topic of one org.

const sign = (payload: string) => createHmac("sha256", `unsubscribe:${getAuthSecret()}`).update(payload).digest("base64url").slice(0, 32);

export function unsubscribeUrl({ userId, orgId, topic }: { userId: string; orgId: string; topic: NoticeTopic }): string {
  const payload = Buffer.from(JSON.stringify([userId, orgId, topic])).toString("base64url");
  return instanceUrl(`/unsubscribe?t=${payload}.${sign(payload)}`);
}

/** The opt-out a link stands for, or null when it was not made here (or was altered). */
export function readUnsubscribeToken(token: string): { userId: string; orgId: string; topic: NoticeTopic } | null {
  if (token.length > 400) return null;
  const [payload, mac] = token.split(".");
  if (!payload || !mac) return null;
  const want = Buffer.from(sign(payload));
  const got = Buffer.from(mac);
  if (want.length !== got.length || !timingSafeEqual(want, got)) return null;
  try {
    const [userId, orgId, topic] = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as [string, string, NoticeTopic];
    return typeof userId === "string" && typeof orgId === "string" && NOTICE_TOPICS.includes(topic) ? { userId, orgId, topic } : null;
  } catch {
    return null;
  }
}
