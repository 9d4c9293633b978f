import "server-only";
import { mkdir, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import nodemailer from "nodemailer";
import { getBackgroundDb } from "@/db";
import { deleteJob, releaseJob } from "@/db/queries/jobs";
import { getMailDelivery, recordMailAttempt } from "@/db/queries/mail";
import type { Job } from "@/db/schema";
import { getEnv } from "@/lib/env";
import { logger, redact } from "@/lib/logger";
import { processSingleton, replaceProcessSingleton } from "@/lib/process-singleton";
import type { JobHandler } from "@/lib/queue/worker";
import { renderMail, type MailMessage } from "./templates";

// Delivery of queued mail (lib/mail/send-mail.ts), at least once: the job goes only after the
// outcome is recorded. A failed attempt (SMTP down, refused, timed out) is retried on the schedule
// below; a worker that dies mid-attempt leaves the job leased until another instance claims it.
// A message that the server accepted but whose outcome was not recorded is sent again, with the
// same Message-ID, so mail clients show it once.

/** Waits after the 1st, 2nd, … failed attempt: about 23 hours in all, then the message is marked failed. */
export const MAIL_RETRY_SCHEDULE_MS = [2_000, 10_000, 60_000, 300_000, 900_000, 3_600_000, 10_800_000, 21_600_000, 43_200_000];
const TIMEOUT_MS = 15_000;

export const mailJobHandler = (): JobHandler => ({ handle: deliverMail, concurrency: 4, leaseMs: 3 * TIMEOUT_MS + 15_000 });

type Payload = { mailId: string; to: string; message: MailMessage };

async function deliverMail(job: Job) {
  const { mailId, to, message } = job.payload as Payload;
  const db = await getBackgroundDb();
  const row = await getMailDelivery(db, mailId);
  if (!row || row.status !== "pending") return deleteJob(db, job.id);
  const env = getEnv();
  const rendered = renderMail(message);
  const mail = {
    from: env.MAIL_FROM,
    to,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    messageId: `<${mailId}@${fromDomain(env.MAIL_FROM)}>`,
  };
  try {
    if (env.SMTP_URL) {
      await smtp(env.SMTP_URL).sendMail(mail);
      await db.transaction(async (tx) => {
        await recordMailAttempt(tx, { id: mailId, attempts: job.attempts, status: "sent", error: null, next: null });
        await deleteJob(tx, job.id);
      });
      logger.info("mail sent", { mailId, kind: message.kind });
      return;
    }
    const file = await writeEml(mailId, mail);
    await db.transaction(async (tx) => {
      await recordMailAttempt(tx, { id: mailId, attempts: job.attempts, status: "written", error: null, next: null });
      await deleteJob(tx, job.id);
    });
    // Without SMTP this log line is how a self-hosted instance's operator reads the link (a
    // password reset, a verification): README "Mail".
    logger.info("mail written (no SMTP_URL)", { mailId, kind: message.kind, to, subject: rendered.subject, file, links: rendered.links });
  } catch (e) {
    const error = describe(e);
    const wait = MAIL_RETRY_SCHEDULE_MS[job.attempts - 1];
    const next = wait === undefined ? null : new Date(Date.now() + wait);
    await recordMailAttempt(db, { id: mailId, attempts: job.attempts, status: next ? "pending" : "failed", error, next });
    logger.warn(next ? "mail not sent; retried" : "mail not sent; gave up", { mailId, kind: message.kind, attempts: job.attempts, error });
    if (next) await releaseJob(db, job.id, next);
    else await deleteJob(db, job.id);
  }
}

/** One SMTP transport per process, built from SMTP_URL (credentials stay in it, never in a log). */
function smtp(url: string) {
  return processSingleton("mail-transport", () =>
    nodemailer.createTransport({
      url,
      connectionTimeout: TIMEOUT_MS,
      greetingTimeout: TIMEOUT_MS,
      socketTimeout: TIMEOUT_MS,
      logger: false,
      debug: false,
    }),
  );
}

/** Tests change SMTP_URL between suites; this drops the transport built from the old one. */
export function resetMailTransportForTests() {
  replaceProcessSingleton("mail-transport", undefined);
}

/** Where mail goes without SMTP: FLOWGATE_DATA_DIR/mail (an in-memory instance: the OS temp dir). */
export function mailDir(): string {
  const dir = getEnv().FLOWGATE_DATA_DIR;
  return dir.startsWith("memory://") ? path.join(os.tmpdir(), `flowgate-mail-${process.pid}`) : path.join(dir, "mail");
}

async function writeEml(id: string, mail: Parameters<ReturnType<typeof nodemailer.createTransport>["sendMail"]>[0]) {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  const info = await composer.sendMail(mail);
  const dir = mailDir();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, `${id}.eml`);
  await writeFile(file, info.message as Buffer, { mode: 0o600 });
  return file;
}

function fromDomain(from: string): string {
  return /@([A-Za-z0-9.-]+)/.exec(from)?.[1] ?? "localhost";
}

/** What went wrong, short, with any SMTP credentials masked (the delivery log is shown to operators). */
function describe(e: unknown): string {
  const err = e as { code?: string; responseCode?: number; message?: string };
  const text = [err.code, err.responseCode, err.message].filter((x) => x !== undefined && x !== "").join(" ");
  return redact(text || String(e)).slice(0, 500);
}
