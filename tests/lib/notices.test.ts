import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { markEndpointFailing } from "@/db/queries/webhooks";
import { orgs, user, webhookEndpoints } from "@/db/schema";
import { newId, randomAlnum } from "@/lib/ids";
import { stopNotices } from "@/lib/notices/opt-out";
import { noticeNewClient, noticeWebhookDisabled, sweepBalanceNotices } from "@/lib/notices/send-notice";
import { startQueue } from "@/lib/server/start-queue";
import { stopJobWorker } from "@/lib/queue/worker";
import { createDashboardOrg } from "../support/dashboard-org";
import { startInbox, type Inbox } from "../support/smtp-server";
import { until } from "../support/until";
import { setMailEnv } from "../support/smtp-server";

// Notices by mail to owners and admins (with an unsubscribe link per topic) and the security
// notice of a sign-in from a new client, read from a real SMTP server.

let inbox: Inbox;
const saved = { ...process.env };
const settle = () => new Promise((r) => setTimeout(r, 1500));

beforeAll(async () => {
  inbox = await startInbox();
  await setMailEnv({ SMTP_URL: inbox.url });
  startQueue();
});
afterAll(async () => {
  stopJobWorker();
  await setMailEnv({ SMTP_URL: saved.SMTP_URL });
  await inbox.stop();
});

async function emails(org: Awaited<ReturnType<typeof createDashboardOrg>>) {
  const db = await getDb();
  const get = async (id: string) => (await db.select({ email: user.email }).from(user).where(eq(user.id, id)))[0]!.email;
  return { owner: await get(org.users.owner), admin: await get(org.users.admin), member: await get(org.users.member) };
}

describe("notices", () => {
  it("balance under the threshold, then at zero: owners and admins are mailed once per change, never on first sight; the unsubscribe link stops the topic", async () => {
    const org = await createDashboardOrg();
    const to = await emails(org);
    const db = await getDb();
    const setBalance = (n: number) => db.update(orgs).set({ creditBalance: n }).where(eq(orgs.id, org.orgId));
    await setBalance(0);
    await sweepBalanceNotices();
    await settle();
    // First sight of an org at 0 is no news.
    expect(inbox.to(to.owner)).toHaveLength(0);

    await setBalance(5000);
    await sweepBalanceNotices();
    await setBalance(400);
    await sweepBalanceNotices();
    await sweepBalanceNotices();
    const low = await until(() => inbox.to(to.owner)[0], "low-balance notice");
    expect(low.subject).toBe("Org: credit balance is low");
    expect(low.text).toContain("400 credits, under its threshold of 1,000 credits");
    await until(() => inbox.to(to.admin)[0], "admin's notice");
    await settle();
    expect(inbox.to(to.owner)).toHaveLength(1);
    expect(inbox.to(to.member)).toHaveLength(0);

    const unsubscribe = /Stop these notices: (\S+)/.exec(low.text!)![1]!;
    expect(unsubscribe).toMatch(/^http:\/\/localhost:3000\/unsubscribe\?t=/);
    expect(await stopNotices(new URL(unsubscribe).searchParams.get("t")!)).toEqual({ ok: true });
    // Altered: its last character changed (to another one: a signature ending in "x" once made this test pass a token unchanged).
    const t = new URL(unsubscribe).searchParams.get("t")!;
    expect(await stopNotices(t.slice(0, -1) + (t.endsWith("x") ? "y" : "x"))).toEqual({ ok: false });

    await setBalance(0);
    await sweepBalanceNotices();
    const zero = await until(() => inbox.to(to.admin).find((m) => m.subject === "Org: out of credits"), "zero notice to the admin");
    expect(zero.text).toContain("has reached zero");
    await settle();
    expect(inbox.to(to.owner)).toHaveLength(1);
  });

  it("a webhook endpoint disabled: the statement that disables it says so once; owners and admins are told why", async () => {
    const org = await createDashboardOrg();
    const to = await emails(org);
    const db = await getDb();
    const id = newId.webhook();
    await db.insert(webhookEndpoints).values({
      id,
      orgId: org.orgId,
      url: "https://hooks.example.com/in",
      events: ["run.completed"],
      secret: "whsec_x",
      failingSince: new Date(Date.now() - 2 * 86_400_000),
    });
    const first = await markEndpointFailing(db, {
      endpointId: id,
      reason: "Every delivery failed for 24 hours (last: HTTP 503)",
      disableAfterMs: 86_400_000,
    });
    const second = await markEndpointFailing(db, { endpointId: id, reason: "again", disableAfterMs: 86_400_000 });
    expect(first).toEqual({ disabled: true, justDisabled: true });
    expect(second).toEqual({ disabled: true, justDisabled: false });
    await noticeWebhookDisabled({
      orgId: org.orgId,
      endpointUrl: "https://hooks.example.com/in",
      reason: "Every delivery failed for 24 hours (last: HTTP 503)",
    });
    const mail = await until(() => inbox.to(to.admin)[0], "webhook notice");
    expect(mail.subject).toBe("Org: a webhook endpoint was disabled");
    expect(mail.text).toContain("Why: Every delivery failed for 24 hours (last: HTTP 503)");
    expect(mail.text).toContain("Stop these notices: http://localhost:3000/unsubscribe?t=");
  });

  it("a sign-in from a client the account never used is mailed to it, with no unsubscribe link; the first client and known ones are not", async () => {
    const db = await getDb();
    const userId = randomAlnum(24);
    const email = `${userId}@example.com`;
    await db.insert(user).values({ id: userId, name: "Nia", email });
    const firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0";
    const chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/141.0 Safari/537.36";
    expect(await noticeNewClient({ userId, userAgent: firefox, ipAddress: "203.0.113.5" })).toBe(false);
    expect(await noticeNewClient({ userId, userAgent: firefox, ipAddress: "203.0.113.6" })).toBe(false);
    expect(await noticeNewClient({ userId, userAgent: chrome, ipAddress: "198.51.100.7" })).toBe(true);
    const mail = await until(() => inbox.to(email)[0], "new sign-in notice");
    expect(mail.subject).toBe("New sign-in to your Flowgate account");
    expect(mail.text).toContain("Chrome on Windows from 198.51.100.7");
    expect(mail.text).not.toContain("Stop these notices");
    await settle();
    expect(inbox.to(email)).toHaveLength(1);
  });
});
