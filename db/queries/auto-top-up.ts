import { and, asc, eq, isNull, lt, sql } from "drizzle-orm";
import { billingAccounts, creditPurchases } from "../schema";
import { executePrepared, type DbOrTx } from "../index";

/**
 * The auto top-up claim (lib/billing/auto-top-up.ts), one statement: when the org's balance is
 * under its threshold, nothing is in flight, a card is saved and the pack still fits under this
 * UTC month's cap, it marks the account's top-up in flight, records the pending purchase (the
 * pack's credits and price, snapshotted) and queues the job that charges it. The account row is
 * locked: of concurrent claims one wins, the others find the claim taken and do nothing.
 */
export async function claimAutoTopUp(db: DbOrTx, { orgId, purchaseId }: { orgId: string; purchaseId: string }): Promise<boolean> {
  const [row] = await executePrepared(
    db,
    sql`
    WITH acct AS (
      SELECT a.org_id, a.auto_top_up_pack_id AS pack_id, a.auto_top_up_monthly_cap_cents AS cap
      FROM billing_accounts a JOIN orgs o ON o.id = a.org_id
      WHERE a.org_id = ${orgId} AND a.auto_top_up_enabled AND a.auto_top_up_in_flight IS NULL AND a.payment_method_id IS NOT NULL
        AND o.credit_balance < a.auto_top_up_threshold
      FOR UPDATE OF a
    ), spent AS (
      SELECT COALESCE(SUM(price_cents), 0) AS cents FROM credit_purchases
      WHERE org_id = ${orgId} AND source = 'auto_top_up' AND status IN ('pending', 'paid')
        AND created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
    ), ok AS (
      SELECT acct.org_id, p.id AS pack_id, p.credits, p.price_cents, p.currency
      FROM acct JOIN credit_packs p ON p.id = acct.pack_id, spent
      WHERE p.archived_at IS NULL AND spent.cents + p.price_cents <= acct.cap
    ), claim AS (
      UPDATE billing_accounts a SET auto_top_up_in_flight = ${purchaseId}, updated_at = now() FROM ok WHERE a.org_id = ok.org_id
      RETURNING a.org_id
    ), pur AS (
      INSERT INTO credit_purchases (id, org_id, pack_id, source, credits, price_cents, currency)
      SELECT ${purchaseId}, ok.org_id, ok.pack_id, 'auto_top_up', ok.credits, ok.price_cents, ok.currency FROM ok, claim
      RETURNING id
    ), job AS (
      INSERT INTO jobs (kind, payload) SELECT 'auto-top-up', jsonb_build_object('purchase_id', pur.id) FROM pur
      RETURNING id
    )
    SELECT (SELECT count(*) FROM pur) AS claimed, (SELECT count(*) FROM job) AS jobs`,
  );
  return Number(row?.claimed ?? 0) === 1;
}

/** What the stuck-top-up pass reads of a top-up (its PaymentIntent must match the price: topUpIntentMismatch). */
const topUpColumns = {
  id: creditPurchases.id,
  orgId: creditPurchases.orgId,
  paymentIntentId: creditPurchases.paymentIntentId,
  priceCents: creditPurchases.priceCents,
  currency: creditPurchases.currency,
};
/** Auto top-ups in `status` claimed at least `olderThanMs` ago (of one org, if given). */
const oldTopUps = (status: "pending" | "failed", olderThanMs: number, orgId: string | undefined) => [
  eq(creditPurchases.source, "auto_top_up"),
  eq(creditPurchases.status, status),
  lt(creditPurchases.createdAt, sql`now() - make_interval(secs => ${olderThanMs / 1000})`),
  orgId ? eq(creditPurchases.orgId, orgId) : undefined,
];

/**
 * Auto top-ups still pending `olderThanMs` after they were claimed (lib/billing/stuck-top-ups.ts),
 * oldest first, each with whether its charging job is still queued (then the job, not the sweep,
 * owns it).
 */
export async function stalePendingTopUps(
  db: DbOrTx,
  { olderThanMs, limit, orgId }: { olderThanMs: number; limit: number; orgId?: string },
) {
  return db
    .select({
      ...topUpColumns,
      queued: sql<boolean>`EXISTS (SELECT 1 FROM jobs j WHERE j.kind = 'auto-top-up' AND j.payload->>'purchase_id' = credit_purchases.id)`,
    })
    .from(creditPurchases)
    .where(and(...oldTopUps("pending", olderThanMs, orgId)))
    .orderBy(asc(creditPurchases.createdAt))
    .limit(limit);
}

/**
 * Auto top-ups failed with `reason` and no PaymentIntent recorded, `olderThanMs` after they were
 * claimed (lib/billing/stuck-top-ups.ts: given up unanswered, their PaymentIntent may exist), oldest
 * first, each with its org's Stripe Customer.
 */
export async function unansweredFailedTopUps(
  db: DbOrTx,
  { reason, olderThanMs, limit, orgId }: { reason: string; olderThanMs: number; limit: number; orgId?: string },
) {
  return db
    .select({
      ...topUpColumns,
      createdAt: creditPurchases.createdAt,
      customerId: billingAccounts.stripeCustomerId,
    })
    .from(creditPurchases)
    .innerJoin(billingAccounts, eq(billingAccounts.orgId, creditPurchases.orgId))
    .where(
      and(...oldTopUps("failed", olderThanMs, orgId), eq(creditPurchases.failureReason, reason), isNull(creditPurchases.paymentIntentId)),
    )
    .orderBy(asc(creditPurchases.createdAt))
    .limit(limit);
}
