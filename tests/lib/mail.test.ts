import { readFile } from "node:fs/promises";
import { and, eq, sql } from "drizzle-orm";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { jobs, mailDeliveries } from "@/db/schema";
import { resetEnvForTests } from "@/lib/env";
import { logSink } from "@/lib/logger";
import { resetMailTransportForTests } from "@/lib/mail/deliver";
import { sendMail } from "@/lib/mail/send-mail";
import { renderMail } from "@/lib/mail/templates";
import { startQueue } from "@/lib/server/start-queue";
import { stopJobWorker } from "@/lib/queue/worker";
import { randomAlnum } from "@/lib/ids";
import { startInbox, type Inbox } from "../support/smtp-server";
import { until } from "../support/until";

// Mail from the job queue to a real SMTP server (smtp-server), read back with mailparser.

let inbox: Inbox;
const saved = { ...process.env };
function setEnv(vars: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvForTests();
  resetMailTransportForTests();
}

const delivery = async (id: string) => (await (await getDb()).select().from(mailDeliveries).where(eq(mailDeliveries.id, id)))[0]!;

beforeAll(async () => {
  inbox = await startInbox();
  setEnv({ SMTP_URL: inbox.url, MAIL_FROM: "Flowgate <noreply@flowgate.test>", BETTER_AUTH_URL: "https://flowgate.example.com" });
  startQueue();
});
afterAll(async () => {
  stopJobWorker();
  setEnv({ SMTP_URL: saved.SMTP_URL, MAIL_FROM: saved.MAIL_FROM, BETTER_AUTH_URL: saved.BETTER_AUTH_URL, LOG_LEVEL: saved.LOG_LEVEL });
  await inbox.stop();
});

describe("mail", () => {
  it("is delivered over SMTP from the queue: text and HTML parts, links on BETTER_AUTH_URL, the delivery log says sent; the SMTP password is in no log line", async () => {
    const lines: string[] = [];
    const write = logSink.write;
    logSink.write = (l) => {
      lines.push(l);
      return true;
    };
    setEnv({ LOG_LEVEL: "debug" });
    try {
      const to = `${randomAlnum(8)}@example.com`;
      const id = await sendMail({
        kind: "invitation",
        to,
        data: { orgName: "Acme <b>&", inviterName: "Ada", role: "admin", invitationId: "a".repeat(32), expiresAt: "7 Dec 2026" },
      });
      const got = await until(async () => inbox.to(to)[0], "the message");
      expect(got.from?.text).toBe('"Flowgate" <noreply@flowgate.test>');
      expect(got.subject).toBe("Ada invited you to Acme <b>& on Flowgate");
      expect(got.messageId).toBe(`<${id}@flowgate.test>`);
      expect(got.text).toContain("Accept the invitation: https://flowgate.example.com/invite/" + "a".repeat(32));
      // Names are escaped in the HTML part, never markup.
      expect(got.html).toContain("<strong>Acme &lt;b&gt;&amp;</strong>");
      expect(got.html).toContain('href="https://flowgate.example.com/invite/' + "a".repeat(32) + '"');
      expect(inbox.logins.at(-1)).toEqual({ user: "mailer", pass: "smtp-pass-not-in-logs" });
      const row = await until(async () => {
        const r = await delivery(id);
        return r.status === "sent" && r;
      }, "sent");
      expect(row).toMatchObject({ kind: "invitation", toAddress: to, attempts: 1, lastError: null });
      expect(lines.join("\n")).toContain(id);
      expect(lines.join("\n")).not.toContain("smtp-pass-not-in-logs");
    } finally {
      logSink.write = write;
      setEnv({ LOG_LEVEL: saved.LOG_LEVEL });
    }
  });

  it("SMTP down: the attempt is logged with its error and retried from the queue; delivered once the server is back", async () => {
    await inbox.stop();
    const to = `${randomAlnum(8)}@example.com`;
    const id = await sendMail({
      kind: "reset-password",
      to,
      data: { name: "Bo", url: "https://flowgate.example.com/api/auth/reset-password/tok?callbackURL=%2Freset-password" },
    });
    const failed = await until(async () => {
      const r = await delivery(id);
      return r.attempts >= 1 && r;
    }, "a failed attempt");
    expect(failed.status).toBe("pending");
    expect(failed.lastError).toMatch(/ECONNREFUSED|ESOCKET|connect/i);
    expect(failed.lastError).not.toContain("smtp-pass-not-in-logs");
    expect(failed.nextAttemptAt!.getTime()).toBeGreaterThan(Date.now() - 1000);
    // Still queued, for the next attempt.
    const db = await getDb();
    const queued = await db
      .select()
      .from(jobs)
      .where(and(eq(jobs.kind, "mail"), sql`${jobs.payload}->>'mailId' = ${id}`));
    expect(queued).toHaveLength(1);
    await inbox.start();
    const got = await until(async () => inbox.to(to)[0], "the retried message");
    expect(got.subject).toBe("Reset your Flowgate password");
    const row = await until(async () => {
      const r = await delivery(id);
      return r.status === "sent" && r;
    }, "sent");
    expect(row.attempts).toBeGreaterThanOrEqual(2);
    expect(
      await db
        .select()
        .from(jobs)
        .where(sql`${jobs.payload}->>'mailId' = ${id}`),
    ).toHaveLength(0);
  });

  it("without SMTP_URL each message is written as an .eml file and its links logged at info", async () => {
    const lines: string[] = [];
    const write = logSink.write;
    logSink.write = (l) => {
      lines.push(l);
      return true;
    };
    setEnv({ SMTP_URL: undefined, LOG_LEVEL: "info" });
    try {
      const to = `${randomAlnum(8)}@example.com`;
      const url = "https://flowgate.example.com/api/auth/verify-email?token=abc";
      const id = await sendMail({ kind: "verify-email", to, data: { name: "Cy", url } });
      const row = await until(async () => {
        const r = await delivery(id);
        return r.status === "written" && r;
      }, "written");
      expect(row.attempts).toBe(1);
      const line = JSON.parse(lines.find((l) => l.includes(id) && l.includes("mail written"))!);
      expect(line).toMatchObject({ level: "info", mailId: id, to, links: [url] });
      expect(line.file).toMatch(new RegExp(`${id}\\.eml$`));
      const parsed = await simpleParser(await readFile(line.file));
      expect(parsed.subject).toBe("Verify your email for Flowgate");
      expect(parsed.text).toContain(url);
      expect(parsed.html).toContain(`href="${url}"`);
    } finally {
      logSink.write = write;
      setEnv({ SMTP_URL: inbox.url, LOG_LEVEL: saved.LOG_LEVEL });
    }
  });

  it("every kind renders a subject, both parts and only links on the public URL; unsubscribe links only on notices", () => {
    const u = "https://flowgate.example.com/unsubscribe/x";
    const kinds = [
      renderMail({ kind: "balance-low", data: { orgName: "A", balance: 900, threshold: 1000, unsubscribe: u } }),
      renderMail({ kind: "new-sign-in", data: { name: "N", client: "Firefox on Linux", ip: "203.0.113.9", at: "now" } }),
    ];
    for (const r of kinds) {
      expect(r.links.every((l) => l.startsWith("https://flowgate.example.com/"))).toBe(true);
      expect(r.html).toContain("Flowgate");
    }
    expect(kinds[0]!.text).toContain(`Stop these notices: ${u}`);
    expect(kinds[1]!.text).not.toContain("Stop these notices");
  });
});
