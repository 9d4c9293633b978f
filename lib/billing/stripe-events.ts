import "server-only";
import { and, eq, sql } from "drizzle-orm";
import type Stripe from "stripe";
import { getDb } from "@/db";
import { grantPurchase, refundPurchase } from "@/db/queries/billing-ledger";
import { recordBillingProblem } from "@/db/queries/billing";
import { billingAccounts, creditPacks, creditPurchases, orgs, type CreditPurchase } from "@/db/schema";
import { creditsReleased } from "@/lib/credits/wait-for-credits";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { logger } from "@/lib/logger";
import { autoTopUpFailed, autoTopUpPurchaseOf } from "./auto-top-up";
import { stripeClient, stripeWebhookSecret } from "./stripe-client";

// Stripe's events (POST /api/webhooks/stripe): the only way purchased credits arrive. Verified on
// the raw body with the SDK's constructEvent before anything is read from it. Each handler is
// safe to run any number of times, concurrently: Stripe delivers at least once, and may deliver
// the same event twice at the same moment (lib/credits/README.md, "Purchases").

/** Verifies the signature (and its timestamp, 5 minutes' tolerance): a 400 and nothing written otherwise. */
export function verifyStripeEvent(payload: string, signature: string | null): Stripe.Event {
  const secret = stripeWebhookSecret();
  if (!secret) throw new AppError("service_unavailable", "Buying credits is not configured on this server");
  if (!signature) throw new AppError("invalid_request", "Missing Stripe-Signature header");
  try {
    return stripeClient().webhooks.constructEvent(payload, signature, secret);
  } catch {
    throw new AppError("invalid_request", "Invalid Stripe signature");
  }
}

export async function handleStripeEvent(event: Stripe.Event): Promise<{ handled: boolean }> {
  switch (event.type) {
    case "checkout.session.completed":
      // A delayed payment method (a bank debit) completes unpaid; its async_payment_succeeded pays.
      if (event.data.object.payment_status !== "paid") return { handled: false };
      return settleCheckout(event, event.data.object);
    case "checkout.session.async_payment_succeeded":
      return settleCheckout(event, event.data.object);
    case "checkout.session.async_payment_failed":
    case "checkout.session.expired":
      await failPurchase(
        { checkoutSessionId: event.data.object.id },
        event.type === "checkout.session.expired" ? "expired" : "payment failed",
      );
      return { handled: true };
    case "payment_intent.succeeded":
      return settleAutoTopUp(event, event.data.object);
    case "payment_intent.payment_failed": {
      const pi = event.data.object;
      const purchase = await autoTopUpPurchaseOf(pi);
      if (!purchase || purchase.source !== "auto_top_up") return { handled: false }; // a checkout's: Checkout shows the buyer
      await autoTopUpPaymentFailed(purchase, pi);
      return { handled: true };
    }
    case "charge.refunded":
      return refund(event, event.data.object);
    case "charge.dispute.created":
      return dispute(event, event.data.object);
    default:
      return { handled: false }; // acknowledged and ignored
  }
}

const idOf = (v: string | { id: string } | null | undefined) => (typeof v === "string" ? v : (v?.id ?? null));

async function settleCheckout(event: Stripe.Event, session: Stripe.Checkout.Session) {
  const db = await getDb();
  const meta = session.metadata ?? {};
  const [purchase] = meta.purchase_id
    ? await db.select().from(creditPurchases).where(eq(creditPurchases.id, meta.purchase_id))
    : await db.select().from(creditPurchases).where(eq(creditPurchases.checkoutSessionId, session.id));
  if (!purchase || purchase.orgId !== meta.org_id || purchase.source !== "checkout") {
    await unknownPayment(event, session.id, {
      org_id: meta.org_id ?? null,
      pack_id: meta.pack_id ?? null,
      purchase_id: meta.purchase_id ?? null,
      amount: session.amount_total,
      currency: session.currency,
    });
    return { handled: true };
  }
  const paymentIntentId = idOf(session.payment_intent);
  const granted = await grantPurchase(db, {
    purchaseId: purchase.id,
    orgId: purchase.orgId,
    checkoutSessionId: session.id,
    paymentIntentId,
    ledgerId: newId.ledger(),
    ledgerKey: `purchase:${session.id}`,
    note: `Stripe Checkout ${session.id}`,
  });
  if (granted) {
    creditsReleased(granted.orgId);
    logger.info("credits purchased", { orgId: granted.orgId, purchaseId: purchase.id, credits: granted.credits });
  }
  // The receipt and the saved card (for auto top-up) come from the PaymentIntent. Until they are
  // recorded the event is answered 503, so Stripe redelivers it (the grant above is done once).
  if (paymentIntentId) await recordPaymentDetails(purchase.id, purchase.orgId, paymentIntentId);
  return { handled: true };
}

async function recordPaymentDetails(purchaseId: string, orgId: string, paymentIntentId: string) {
  const db = await getDb();
  const [p] = await db.select({ chargeId: creditPurchases.chargeId }).from(creditPurchases).where(eq(creditPurchases.id, purchaseId));
  if (p?.chargeId) return;
  let pi: Stripe.PaymentIntent;
  try {
    pi = await stripeClient().paymentIntents.retrieve(paymentIntentId, { expand: ["latest_charge"] });
  } catch (e) {
    logger.warn("stripe: payment intent lookup failed", { paymentIntentId, code: (e as Stripe.errors.StripeError)?.code });
    throw new AppError("service_unavailable", "The payment provider is unavailable: try again in a moment");
  }
  const charge = typeof pi.latest_charge === "object" ? pi.latest_charge : null;
  await db
    .update(creditPurchases)
    .set({ chargeId: charge?.id ?? idOf(pi.latest_charge), receiptUrl: charge?.receipt_url ?? null })
    .where(eq(creditPurchases.id, purchaseId));
  const pm = idOf(pi.payment_method);
  if (pm)
    await db
      .update(billingAccounts)
      .set({ paymentMethodId: pm, updatedAt: sql`now()` })
      .where(eq(billingAccounts.orgId, orgId));
}

async function settleAutoTopUp(event: Stripe.Event, pi: Stripe.PaymentIntent) {
  const purchase = await autoTopUpPurchaseOf(pi);
  // A checkout's PaymentIntent succeeds too: its credits came with the session's event.
  if (!purchase) {
    if (pi.metadata?.source === "auto_top_up")
      await unknownPayment(event, pi.id, {
        org_id: pi.metadata.org_id ?? null,
        purchase_id: pi.metadata.purchase_id ?? null,
        amount: pi.amount,
        currency: pi.currency,
      });
    return { handled: false };
  }
  if (purchase.source !== "auto_top_up") return { handled: false };
  const mismatch = topUpIntentMismatch(purchase, pi);
  if (mismatch) {
    // Charged, but not as this purchase says: for the operator, never a grant of what was not shown.
    await recordBillingProblem(await getDb(), {
      orgId: purchase.orgId,
      kind: "mismatched_payment",
      stripeEventId: event.id,
      stripeObjectId: pi.id,
      detail: { type: event.type, purchase_id: purchase.id, mismatch, amount: pi.amount, currency: pi.currency },
    });
    logger.warn("stripe: a succeeded PaymentIntent does not match its auto top-up", { purchaseId: purchase.id, pi: pi.id, mismatch });
    return { handled: true };
  }
  await grantAutoTopUp(purchase, pi);
  return { handled: true };
}

type TopUp = Pick<CreditPurchase, "id" | "orgId" | "priceCents" | "currency" | "paymentIntentId">;

/**
 * Why a PaymentIntent may not pay for this auto top-up, or null when it may: it succeeded, for the
 * purchase's price and currency, its metadata names the purchase and its org, and it is the
 * PaymentIntent the purchase recorded (if it recorded one).
 */
export function topUpIntentMismatch(purchase: TopUp, pi: Stripe.PaymentIntent): string | null {
  if (pi.status !== "succeeded") return `status ${pi.status}`;
  if (pi.amount !== purchase.priceCents) return "amount";
  if (pi.currency?.toLowerCase() !== purchase.currency.toLowerCase()) return "currency";
  const m = pi.metadata ?? {};
  if (m.source !== "auto_top_up" || m.purchase_id !== purchase.id || m.org_id !== purchase.orgId) return "metadata";
  if (purchase.paymentIntentId && purchase.paymentIntentId !== pi.id) return "another PaymentIntent";
  return null;
}

/**
 * A succeeded auto top-up's credits (invariant 9): the grant statement, keyed `purchase:<payment
 * intent>` — by payment_intent.succeeded, or by the stuck top-up sweep (lib/billing/stuck-top-ups.ts)
 * when that event never came; whichever is first grants, the other changes nothing. A top-up
 * Flowgate had marked failed (its PaymentIntent's creation answered nothing it could read, up to
 * the job's last attempt) is granted all the same: the card was charged. The caller has checked
 * `topUpIntentMismatch` (a verified event, or the PaymentIntent retrieved with our key). Then the
 * receipt and the card. The grant, or null when it was granted before.
 */
export async function grantAutoTopUp(purchase: TopUp, pi: Stripe.PaymentIntent) {
  const mismatch = topUpIntentMismatch(purchase, pi);
  if (mismatch) throw new Error(`auto top-up ${purchase.id}: PaymentIntent ${pi.id} does not pay for it (${mismatch})`);
  const granted = await grantPurchase(await getDb(), {
    purchaseId: purchase.id,
    orgId: purchase.orgId,
    checkoutSessionId: null,
    paymentIntentId: pi.id,
    ledgerId: newId.ledger(),
    ledgerKey: `purchase:${pi.id}`,
    note: `Auto top-up ${pi.id}`,
    orFailed: true,
  });
  if (granted) {
    creditsReleased(granted.orgId);
    logger.info("auto top-up granted", { orgId: granted.orgId, purchaseId: purchase.id, credits: granted.credits });
  }
  await recordPaymentDetails(purchase.id, purchase.orgId, pi.id);
  return granted;
}

/** A failed auto top-up's PaymentIntent (payment_intent.payment_failed, or the stuck top-up sweep): the decline, once (autoTopUpFailed). */
export function autoTopUpPaymentFailed(purchase: Pick<CreditPurchase, "id">, pi: Stripe.PaymentIntent) {
  const err = pi.last_payment_error;
  const reason = err ? `${err.message ?? "The payment failed"}${err.decline_code ? ` (${err.decline_code})` : ""}` : null;
  return autoTopUpFailed(
    { purchaseId: purchase.id, paymentIntentId: pi.id },
    reason ?? (pi.status === "canceled" ? "The payment was canceled" : "The payment failed"),
  );
}

async function failPurchase(where: { checkoutSessionId: string }, reason: string) {
  const db = await getDb();
  await db
    .update(creditPurchases)
    .set({ status: "failed", failureReason: reason })
    .where(and(eq(creditPurchases.checkoutSessionId, where.checkoutSessionId), eq(creditPurchases.status, "pending")));
}

async function refund(event: Stripe.Event, charge: Stripe.Charge) {
  const paymentIntentId = idOf(charge.payment_intent);
  const db = await getDb();
  const taken = paymentIntentId
    ? await refundPurchase(db, {
        paymentIntentId,
        chargeId: charge.id,
        amountCharged: charge.amount,
        amountRefunded: charge.amount_refunded,
        ledgerId: newId.ledger(),
      })
    : null;
  if (taken)
    logger.info("credits refunded", {
      orgId: taken.orgId,
      purchaseId: taken.purchaseId,
      credits: taken.credits,
      balance: taken.balanceAfter,
    });
  else if (paymentIntentId) {
    const [known] = await db
      .select({ id: creditPurchases.id })
      .from(creditPurchases)
      .where(eq(creditPurchases.paymentIntentId, paymentIntentId));
    if (!known) await unknownPayment(event, charge.id, { payment_intent: paymentIntentId, amount_refunded: charge.amount_refunded });
  }
  return { handled: true };
}

async function dispute(event: Stripe.Event, d: Stripe.Dispute) {
  const db = await getDb();
  const paymentIntentId = idOf(d.payment_intent);
  const [purchase] = paymentIntentId
    ? await db.select().from(creditPurchases).where(eq(creditPurchases.paymentIntentId, paymentIntentId))
    : [];
  const detail = {
    dispute: d.id,
    charge: idOf(d.charge),
    payment_intent: paymentIntentId,
    amount: d.amount,
    currency: d.currency,
    reason: d.reason,
  };
  await db.transaction(async (tx) => {
    if (purchase) {
      await tx
        .update(billingAccounts)
        .set({
          flaggedAt: sql`COALESCE(${billingAccounts.flaggedAt}, now())`,
          flagReason: `Dispute ${d.id} (${d.reason})`,
          updatedAt: sql`now()`,
        })
        .where(eq(billingAccounts.orgId, purchase.orgId));
    }
    await recordBillingProblem(tx, {
      orgId: purchase?.orgId ?? null,
      kind: "dispute",
      stripeEventId: event.id,
      stripeObjectId: d.id,
      detail,
    });
  });
  logger.warn("stripe: dispute opened", { orgId: purchase?.orgId, dispute: d.id });
  return { handled: true };
}

/** A payment that names no purchase of ours (an unknown org, pack or purchase): for the operator, not a 500. */
async function unknownPayment(event: Stripe.Event, objectId: string, detail: Record<string, unknown>) {
  const db = await getDb();
  const orgId = typeof detail.org_id === "string" ? detail.org_id : null;
  const packId = typeof detail.pack_id === "string" ? detail.pack_id : null;
  const [org] = orgId ? await db.select({ id: orgs.id }).from(orgs).where(eq(orgs.id, orgId)) : [];
  const [pack] = packId ? await db.select({ id: creditPacks.id }).from(creditPacks).where(eq(creditPacks.id, packId)) : [];
  const kind = !org ? "unknown_org" : packId && !pack ? "unknown_pack" : "unknown_purchase";
  await recordBillingProblem(db, {
    orgId: org ? orgId : null,
    kind,
    stripeEventId: event.id,
    stripeObjectId: objectId,
    detail: { type: event.type, ...detail },
  });
  logger.warn("stripe: a payment for no purchase of ours", { kind, event: event.id, objectId });
}
