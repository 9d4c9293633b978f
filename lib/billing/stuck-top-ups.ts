import "server-only";
import Stripe from "stripe";
import { getBackgroundDb } from "@/db";
import { stalePendingTopUps } from "@/db/queries/auto-top-up";
import { logger } from "@/lib/logger";
import { autoTopUpFailed } from "./auto-top-up";
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

/** How long a top-up may wait for its event before the sweep asks Stripe (an off-session card payment is answered at once). */
export const STUCK_TOP_UP_AFTER_MS = 10 * 60_000;

/** granted, failed, cleared: this pass ended it; done: something else did meanwhile; waiting: still processing at Stripe. */
export type StuckTopUpOutcome = "granted" | "failed" | "cleared" | "done" | "waiting" | "error";

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
  const done = [...out.values()].filter((o) => o === "granted" || o === "failed" || o === "cleared").length;
  if (done) logger.info("auto top-up sweep: stuck top-ups ended", { count: done });
  return out;
}
