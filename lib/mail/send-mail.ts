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
export async function sendMail(message: MailMessage & { to: string }, tx?: DbOrTx, o: { orgId?: string } = {}): Promise<string> {
  const id = newId.mail();
  const to = message.to.trim().toLowerCase();
  const { subject } = renderMail(message);
  const write = async (t: DbOrTx) => {
    await insertMailDelivery(t, { id, kind: message.kind, toAddress: to, subject });
    // An org's notice takes its turn in that org's share of the queue (one org's burst of alerts
    // cannot hold up everyone's mail); resets and invitations belong to no org's share.
    await insertJob(t, {
      kind: "mail",
      orgId: o.orgId ?? null,
      payload: { mailId: id, to, message: { kind: message.kind, data: message.data } },
    });
  };
  if (tx) await write(tx);
  else await (await getDb()).transaction(write);
  kickJobs();
  return id;
}
