import "server-only";
import { getDb, type DbOrTx } from "@/db";
import { insertJob } from "@/db/queries/jobs";
import { insertMailDelivery } from "@/db/queries/mail";
import { newId } from "@/lib/ids";
import { kickJobs } from "@/lib/queue/worker";
import { renderMail, type MailMessage } from "./templates";

/**
 * Queues a message: its delivery-log row and its job in one transaction (or in the caller's, so a
 * change and the mail about it commit together). Never sends on the caller's thread: the queue's
 * worker does (lib/mail/deliver.ts), with retries. Returns the message's id.
 */
export async function sendMail(message: MailMessage & { to: string; orgId?: string }, tx?: DbOrTx): Promise<string> {
  const id = newId.mail();
  const to = message.to.trim().toLowerCase();
  const { subject } = renderMail(message);
  const write = async (t: DbOrTx) => {
    await insertMailDelivery(t, { id, kind: message.kind, toAddress: to, subject });
    // A mail an org's action causes (an invitation, a notice to its admins) takes that org's share of
    // the queue, so one org's flood waits behind its own mail (lib/queue, fair claiming); an
    // account's own mail (a reset, a verification) belongs to no org.
    await insertJob(t, {
      kind: "mail",
      orgId: message.orgId ?? null,
      payload: { mailId: id, to, message: { kind: message.kind, data: message.data } },
    });
  };
  if (tx) await write(tx);
  else await (await getDb()).transaction(write);
  kickJobs();
  return id;
}
