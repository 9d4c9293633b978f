import { and, eq, gt, isNull, lt, sql } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { streamTokens } from "../schema";

export async function insertStreamToken(tx: DbOrTx, values: typeof streamTokens.$inferInsert) {
  await tx.insert(streamTokens).values(values);
}

/** Atomic single use: of any number of concurrent redeemers, exactly one gets the row back. */
export async function redeemStreamToken(tx: DbOrTx, tokenHash: string) {
  const [row] = await tx
    .update(streamTokens)
    .set({ usedAt: sql`now()` })
    .where(and(eq(streamTokens.tokenHash, tokenHash), isNull(streamTokens.usedAt), gt(streamTokens.expiresAt, sql`now()`)))
    .returning({
      orgId: streamTokens.orgId,
      apiKeyId: streamTokens.apiKeyId,
      endUser: streamTokens.endUser,
      workflowId: streamTokens.workflowId,
      maxCredits: streamTokens.maxCredits,
      pinVersion: streamTokens.pinVersion,
      pinLabel: streamTokens.pinLabel,
    });
  return row;
}

export async function deleteExpiredStreamTokens(tx: DbOrTx, before: Date) {
  await tx.delete(streamTokens).where(lt(streamTokens.expiresAt, before));
}
