import "server-only";
import Stripe from "stripe";
import { getBackgroundDb } from "@/db";
import { and, eq, isNull } from "drizzle-orm";
import { stalePendingTopUps, unansweredFailedTopUps } from "@/db/queries/auto-top-up";
import { creditPurchases } from "@/db/schema";
import { logger } from "@/lib/logger";
import { UNREACHABLE, UNREACHABLE_NOT_CHARGED, autoTopUpFailed } from "./auto-top-up";
import { autoTopUpPaymentFailed, grantAutoTopUp, topUpIntentMismatch } from "./stripe-events";
import { billingConfigured, stripeClient } from "./stripe-client";

// Stuck auto top-ups (lib/credits/README.md, invariant 14): an off-session PaymentIntent whose
// payment_intent.succeeded (or payment_failed) never arrived — a webhook endpoint misconfigured or
// down past Stripe's retries, an event lost — leaves the purchase pending and the org's claim held,
// so no further top-up is ever made. A periodic pass (lib/server/boot.ts, once a minute on every
// instance) asks Stripe, through the SDK, what became of each top-up pending for longer than
// STUCK_TOP_UP_AFTER_MS, and ends it the way the event would have: a succeeded PaymentIntent is
// granted through the very statement the event uses (`grantAutoTopUp`, keyed purchase:<payment
// intent>: the event arriving later, or another instance's pass, grants nothing more); a declined
// or canceled one fails the top-up (`autoTopUpFailed`, as payment_intent.payment_failed does).
// One still processing is left for the next pass. A top-up with no PaymentIntent and no job left
// to create one was never charged (its job found no card): it is failed, releasing the claim.
// A top-up its job gave up on with no answer from Stripe (failed, `UNREACHABLE`) may have been
// created and charged all the same (the answers lost): the pass lists the Customer's PaymentIntents
// for the one whose metadata names it, and grants it when it succeeded (the same grant, once); when
// there is none, or it was not paid, the failure's reason says no payment was made, and the pass
// stops looking.

/** How long a top-up may wait for its event before the sweep asks Stripe (an off-session card payment is answered at once). */
export const STUCK_TOP_UP_AFTER_MS = 10 * 60_000;

/**
 * granted, failed, cleared: this pass ended it; done: something else did meanwhile; waiting: still
 * processing at Stripe; not_charged: a top-up given up unanswered had no paid PaymentIntent.
 */
export type StuckTopUpOutcome = "granted" | "failed" | "cleared" | "done" | "waiting" | "not_charged" | "error";

/** One pass; what happened to each top-up it looked at (purchase id → outcome). `orgId`: only that org's (tests, the operator). */
export async function sweepStuckTopUps({
  olderThanMs = STUCK_TOP_UP_AFTER_MS,
  limit = 50,
  orgId,
}: { olderThanMs?: number; limit?: number; orgId?: string } = {}): Promise<Map<string, StuckTopUpOutcome>> {
  const out = new Map<string, StuckTopUpOutcome>();
  if (!billingConfigured()) return out;
  const stale = await stalePendingTopUps(await getBackgroundDb(), { olderThanMs, limit, orgId });
  for (const p of stale) {
    if (!p.paymentIntentId) {
      // Its job may still create the PaymentIntent (under its idempotency key): that is not stuck.
      if (p.queued) continue;
      const cleared = await autoTopUpFailed({ purchaseId: p.id, paymentIntentId: null }, "The top-up was never charged (no saved card)");
      out.set(p.id, cleared ? "cleared" : "done");
      continue;
    }
    try {
      const pi = await stripeClient().paymentIntents.retrieve(p.paymentIntentId);
      // Ours, by the id we recorded; the metadata says so too (a mismatch is left for the operator).
      if (pi.metadata?.purchase_id !== p.id) {
        logger.warn("auto top-up sweep: the PaymentIntent names another purchase", { purchaseId: p.id, paymentIntentId: pi.id });
        out.set(p.id, "error");
      } else if (pi.status === "succeeded") {
        const mismatch = topUpIntentMismatch(p, pi);
        if (mismatch) {
          logger.warn("auto top-up sweep: the PaymentIntent does not match its top-up", {
            purchaseId: p.id,
            paymentIntentId: pi.id,
            mismatch,
          });
          out.set(p.id, "error");
        } else out.set(p.id, (await grantAutoTopUp(p, pi)) ? "granted" : "done"); // null: the event (or another pass) granted it
      } else if (pi.status === "requires_payment_method" || pi.status === "canceled") {
        out.set(p.id, (await autoTopUpPaymentFailed(p, pi)) ? "failed" : "done");
      } else out.set(p.id, "waiting");
    } catch (e) {
      logger.warn("auto top-up sweep: the PaymentIntent could not be read", {
        purchaseId: p.id,
        paymentIntentId: p.paymentIntentId,
        code: e instanceof Stripe.errors.StripeError ? e.code : undefined,
      });
      out.set(p.id, "error");
    }
  }
  const db = await getBackgroundDb();
  for (const p of await unansweredFailedTopUps(db, { reason: UNREACHABLE, olderThanMs, limit, orgId })) {
    try {
      const pi = p.customerId ? await findTopUpIntent(p.customerId, p.id, p.createdAt) : undefined;
      const mismatch = pi && topUpIntentMismatch(p, pi);
      if (pi?.status === "processing") out.set(p.id, "waiting");
      else if (pi && !mismatch) out.set(p.id, (await grantAutoTopUp(p, pi)) ? "granted" : "done");
      else if (pi?.status === "succeeded") {
        logger.warn("auto top-up sweep: the PaymentIntent does not match its top-up", {
          purchaseId: p.id,
          paymentIntentId: pi.id,
          mismatch,
        });
        out.set(p.id, "error");
      } else {
        const [marked] = await db
          .update(creditPurchases)
          .set({ failureReason: UNREACHABLE_NOT_CHARGED, paymentIntentId: pi?.id ?? null })
          .where(
            and(
              eq(creditPurchases.id, p.id),
              eq(creditPurchases.status, "failed"),
              eq(creditPurchases.failureReason, UNREACHABLE),
              isNull(creditPurchases.paymentIntentId),
            ),
          )
          .returning({ id: creditPurchases.id });
        out.set(p.id, marked ? "not_charged" : "done");
      }
    } catch (e) {
      logger.warn("auto top-up sweep: the Customer's PaymentIntents could not be read", {
        purchaseId: p.id,
        code: e instanceof Stripe.errors.StripeError ? e.code : undefined,
      });
      out.set(p.id, "error");
    }
  }
  const done = [...out.values()].filter((o) => o === "granted" || o === "failed" || o === "cleared").length;
  if (done) logger.info("auto top-up sweep: stuck top-ups ended", { count: done });
  return out;
}

/** The Customer's PaymentIntent whose metadata names the purchase (created since its claim, a minute's leeway), if any. */
async function findTopUpIntent(customer: string, purchaseId: string, since: Date) {
  const list = stripeClient().paymentIntents.list({ customer, created: { gte: Math.floor(since.getTime() / 1000) - 60 }, limit: 100 });
  let seen = 0;
  for await (const pi of list) {
    if (pi.metadata?.purchase_id === purchaseId) return pi;
    // Never "not charged" without having seen them all.
    if (++seen >= 1000) throw new Error("auto top-up sweep: too many PaymentIntents to look through");
  }
  return undefined;
}
