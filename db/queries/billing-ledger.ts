import { sql } from "drizzle-orm";
import { executePrepared, type DbOrTx } from "../index";

// The statements by which Stripe's events change a balance (lib/credits/README.md, "Purchases").
// Each is one statement: the purchase row's change, the org row locked and its balance written,
// and one ledger entry with a unique idempotency key. The purchase row is locked first, then the
// org row (a settlement locks its run row, then the org row: no cycle).

export type Grant = { orgId: string; credits: number; balanceAfter: number };

/**
 * A pending purchase becomes paid and its credits are added — once: the row leaves `pending` in
 * this very statement (a concurrent delivery waits on the row, then finds it paid and changes
 * nothing), and `purchase:<session or payment intent>` is unique in the ledger.
 * `orFailed` (an auto top-up whose PaymentIntent Stripe reports succeeded): a purchase Flowgate had
 * marked failed — its create's answers lost, or a decline later paid — is granted the same way, once
 * (it leaves `failed` in the same statement). A purchase that recorded another PaymentIntent is not.
 * Null when nothing was granted (already paid, failed, or no such pending purchase).
 */
export async function grantPurchase(
  db: DbOrTx,
  g: {
    purchaseId: string;
    orgId: string;
    checkoutSessionId: string | null;
    paymentIntentId: string | null;
    ledgerId: string;
    ledgerKey: string;
    note: string;
    orFailed?: boolean;
  },
): Promise<Grant | null> {
  const [row] = await executePrepared(
    db,
    sql`
    WITH pur AS (
      UPDATE credit_purchases p SET status = 'paid', paid_at = now(), failure_reason = NULL,
             checkout_session_id = COALESCE(p.checkout_session_id, ${g.checkoutSessionId}),
             payment_intent_id = COALESCE(p.payment_intent_id, ${g.paymentIntentId})
      WHERE p.id = ${g.purchaseId} AND p.org_id = ${g.orgId}
        AND (p.status = 'pending' OR (${g.orFailed === true}::boolean AND p.status = 'failed'))
        AND (${g.checkoutSessionId}::text IS NULL OR p.checkout_session_id IS NULL OR p.checkout_session_id = ${g.checkoutSessionId})
        AND (${g.paymentIntentId}::text IS NULL OR p.payment_intent_id IS NULL OR p.payment_intent_id = ${g.paymentIntentId})
      RETURNING p.id, p.org_id, p.credits, p.currency
    ), cur AS (
      SELECT o.id, o.credit_balance AS old, pur.credits FROM orgs o JOIN pur ON o.id = pur.org_id FOR UPDATE OF o
    ), upd AS (
      UPDATE orgs o SET credit_balance = c.old + c.credits FROM cur c WHERE o.id = c.id
      RETURNING o.credit_balance AS balance_after
    ), led AS (
      INSERT INTO credit_ledger (id, org_id, kind, amount, balance_after, idempotency_key, note)
      SELECT ${g.ledgerId}, c.id, 'purchase', c.credits, u.balance_after, ${g.ledgerKey}, ${g.note} FROM cur c, upd u
      RETURNING id
    ), acct AS (
      -- The first paid purchase fixes the Customer's currency; an auto top-up's claim ends with it.
      UPDATE billing_accounts a SET currency = COALESCE(a.currency, pur.currency), updated_at = now(),
             auto_top_up_in_flight = CASE WHEN a.auto_top_up_in_flight = pur.id THEN NULL ELSE a.auto_top_up_in_flight END
      FROM pur WHERE a.org_id = pur.org_id
      RETURNING a.org_id
    )
    SELECT c.id AS org_id, c.credits, u.balance_after, (SELECT count(*) FROM led) AS ledger_rows, (SELECT count(*) FROM acct) AS accounts
    FROM cur c, upd u`,
  );
  if (!row) return null;
  return { orgId: String(row.org_id), credits: Number(row.credits), balanceAfter: Number(row.balance_after) };
}

/**
 * A refund takes back the refunded share of a paid purchase's credits: `floor(credits ×
 * refunded / charged)`, where `refunded` is the charge's cumulative amount_refunded (so a
 * redelivered or out-of-order event takes nothing twice), never more than the purchase granted.
 * The balance may go below zero (the credits were spent before the money went back).
 */
export async function refundPurchase(
  db: DbOrTx,
  r: {
    paymentIntentId: string;
    chargeId: string;
    amountCharged: number;
    amountRefunded: number;
    ledgerId: string;
  },
): Promise<(Grant & { purchaseId: string }) | null> {
  const [row] = await executePrepared(
    db,
    sql`
    WITH pur AS (
      SELECT id, org_id, credits, credits_refunded FROM credit_purchases
      WHERE payment_intent_id = ${r.paymentIntentId} AND status = 'paid' FOR UPDATE
    ), take AS (
      SELECT id, org_id, t.target, t.target - credits_refunded AS delta FROM pur,
             LATERAL (SELECT LEAST(credits, FLOOR(credits * ${r.amountRefunded}::numeric / NULLIF(${r.amountCharged}::numeric, 0)))::bigint AS target) t
      WHERE t.target > credits_refunded
    ), p2 AS (
      UPDATE credit_purchases p SET credits_refunded = t.target, charge_id = COALESCE(p.charge_id, ${r.chargeId})
      FROM take t WHERE p.id = t.id RETURNING p.id
    ), cur AS (
      SELECT o.id, o.credit_balance AS old, t.delta, t.id AS purchase_id FROM orgs o JOIN take t ON o.id = t.org_id FOR UPDATE OF o
    ), upd AS (
      UPDATE orgs o SET credit_balance = c.old - c.delta FROM cur c WHERE o.id = c.id
      RETURNING o.credit_balance AS balance_after
    ), led AS (
      INSERT INTO credit_ledger (id, org_id, kind, amount, balance_after, idempotency_key, note)
      SELECT ${r.ledgerId}, c.id, 'refund', -c.delta, u.balance_after, ${`refund:${r.chargeId}:${r.amountRefunded}`}, ${`refund of ${r.chargeId}`} FROM cur c, upd u
      RETURNING id
    )
    SELECT c.id AS org_id, c.delta, c.purchase_id, u.balance_after, (SELECT count(*) FROM led) AS ledger_rows, (SELECT count(*) FROM p2) AS purchases
    FROM cur c, upd u`,
  );
  if (!row) return null;
  return {
    orgId: String(row.org_id),
    credits: -Number(row.delta),
    balanceAfter: Number(row.balance_after),
    purchaseId: String(row.purchase_id),
  };
}
