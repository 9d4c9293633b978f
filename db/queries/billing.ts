import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "../index";
import { billingAccounts, billingProblems, creditPurchases, orgs } from "../schema";

// Billing's SQL (lib/billing). Every statement that changes a balance is one statement with its
// ledger entry (lib/credits/README.md, "Purchases").

export async function ensureBillingAccount(tx: DbOrTx, orgId: string) {
  await tx.insert(billingAccounts).values({ orgId }).onConflictDoNothing();
  const [row] = await tx.select().from(billingAccounts).where(eq(billingAccounts.orgId, orgId));
  return row!;
}

export async function getBillingAccount(tx: DbOrTx, orgId: string) {
  const [row] = await tx.select().from(billingAccounts).where(eq(billingAccounts.orgId, orgId));
  return row;
}

/** Records the org's Customer unless another request did first; returns the one that stands. */
export async function setStripeCustomer(tx: DbOrTx, orgId: string, customerId: string): Promise<string> {
  await tx
    .update(billingAccounts)
    .set({ stripeCustomerId: customerId, updatedAt: sql`now()` })
    .where(and(eq(billingAccounts.orgId, orgId), isNull(billingAccounts.stripeCustomerId)));
  const [row] = await tx.select({ id: billingAccounts.stripeCustomerId }).from(billingAccounts).where(eq(billingAccounts.orgId, orgId));
  return row!.id!;
}

export async function listPurchases(tx: DbOrTx, orgId: string, limit = 50) {
  return tx
    .select()
    .from(creditPurchases)
    .where(eq(creditPurchases.orgId, orgId))
    .orderBy(desc(creditPurchases.createdAt), desc(creditPurchases.id))
    .limit(limit);
}

export async function orgBalance(tx: DbOrTx, orgId: string) {
  const [row] = await tx.select({ balance: orgs.creditBalance, name: orgs.name }).from(orgs).where(eq(orgs.id, orgId));
  return row;
}

/** A Stripe event the operator should see, once per event and kind (a redelivery records nothing new). */
export async function recordBillingProblem(
  tx: DbOrTx,
  p: { orgId: string | null; kind: string; stripeEventId: string; stripeObjectId: string | null; detail: Record<string, unknown> },
) {
  await tx.insert(billingProblems).values(p).onConflictDoNothing();
}
