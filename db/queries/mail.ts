import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { mailDeliveries, type MailStatus } from "../schema";

export async function insertMailDelivery(tx: DbOrTx, row: { id: string; kind: string; toAddress: string; subject: string }) {
  await tx.insert(mailDeliveries).values(row);
}

export async function getMailDelivery(tx: DbOrTx, id: string) {
  const [row] = await tx.select().from(mailDeliveries).where(eq(mailDeliveries.id, id)).limit(1);
  return row ?? null;
}

/** One attempt's outcome: final (sent, written, failed) or pending with the time of the next try. */
export async function recordMailAttempt(
  tx: DbOrTx,
  { id, attempts, status, error, next }: { id: string; attempts: number; status: MailStatus; error: string | null; next: Date | null },
) {
  await tx
    .update(mailDeliveries)
    .set({
      status,
      attempts,
      lastError: error,
      lastAttemptAt: sql`now()`,
      nextAttemptAt: next,
      ...(status === "sent" || status === "written" ? { sentAt: sql`now()` } : {}),
    })
    .where(and(eq(mailDeliveries.id, id), eq(mailDeliveries.status, "pending")));
}

/** Messages of one kind to one address since `since`: the resend limits count them. */
export async function countMailSince(tx: DbOrTx, { toAddress, kind, since }: { toAddress: string; kind: string; since: Date }) {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(mailDeliveries)
    .where(and(eq(mailDeliveries.toAddress, toAddress), eq(mailDeliveries.kind, kind), sql`${mailDeliveries.createdAt} >= ${since}`));
  return row?.n ?? 0;
}
