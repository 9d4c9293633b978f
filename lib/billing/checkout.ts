import "server-only";
import { eq } from "drizzle-orm";
import Stripe from "stripe";
import { getDb } from "@/db";
import { ensureBillingAccount, setStripeCustomer } from "@/db/queries/billing";
import { getOrg } from "@/db/queries/orgs";
import { creditPurchases, type CreditPack } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { logger } from "@/lib/logger";
import { packOnSale } from "./packs";
import { stripeClient } from "./stripe-client";

// Buying a pack: Stripe Checkout (its hosted page, mode payment, the pack as inline price_data) on
// the org's one Stripe Customer. Nothing is granted here: credits arrive only with Stripe's signed
// event (lib/billing/stripe-events.ts). Every input is checked before anything is created at Stripe.

/** `success_url` / `cancel_url`: absolute http(s) on this server's origin (no open redirect through Stripe). */
export function checkReturnUrl(field: string, raw: string | undefined, origin: string, fallback: string): string {
  if (raw === undefined) return fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError("invalid_request", `${field} must be an absolute URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new AppError("invalid_request", `${field} must be an http(s) URL`);
  if (url.origin !== new URL(origin).origin) throw new AppError("invalid_request", `${field} must be on ${new URL(origin).origin}`);
  return raw;
}

/** Stripe failed us (down, misconfigured): a 503 for the caller, the detail in our log only. */
export function stripeUnavailable(e: unknown, what: string): never {
  if (e instanceof AppError) throw e;
  logger.warn(`stripe: ${what} failed`, {
    type: (e as Stripe.errors.StripeError)?.type,
    code: (e as Stripe.errors.StripeError)?.code,
    status: (e as Stripe.errors.StripeError)?.statusCode,
  });
  throw new AppError("service_unavailable", "The payment provider is unavailable: try again in a moment");
}

/**
 * The org's Stripe Customer, created once. Concurrent first purchases send the same Stripe
 * Idempotency-Key, so Stripe answers them all with one Customer, and the conditional update keeps
 * the first one recorded.
 */
export async function customerFor(orgId: string): Promise<{ customerId: string; currency: string | null }> {
  const db = await getDb();
  const account = await ensureBillingAccount(db, orgId);
  if (account.stripeCustomerId) return { customerId: account.stripeCustomerId, currency: account.currency };
  const org = await getOrg(db, orgId);
  if (!org) throw new AppError("not_found", "Organization not found");
  const customer = await stripeClient()
    .customers.create({ name: org.name, metadata: { org_id: orgId } }, { idempotencyKey: `flowgate-customer-${orgId}` })
    .catch((e: unknown) => stripeUnavailable(e, "customer create"));
  return { customerId: await setStripeCustomer(db, orgId, customer.id), currency: account.currency };
}

export async function startCheckout({
  orgId,
  packId,
  successUrl,
  cancelUrl,
  origin,
}: {
  orgId: string;
  packId: string;
  successUrl?: string;
  cancelUrl?: string;
  origin: string;
}) {
  const stripe = stripeClient();
  const pack = await packOnSale(packId);
  const back = `${origin}/dashboard/billing`;
  const success = checkReturnUrl("success_url", successUrl, origin, `${back}?checkout=success&session_id={CHECKOUT_SESSION_ID}`);
  const cancel = checkReturnUrl("cancel_url", cancelUrl, origin, `${back}?checkout=canceled`);
  const db = await getDb();
  const known = await ensureBillingAccount(db, orgId);
  assertCurrency(known.currency, pack);
  const { customerId, currency } = await customerFor(orgId);
  assertCurrency(currency, pack);

  // The purchase exists before the session (its id in the session's metadata), with the pack's
  // credits and price as they are now: what the buyer is shown is what the event will grant.
  const purchaseId = newId.purchase();
  await db.insert(creditPurchases).values({
    id: purchaseId,
    orgId,
    packId: pack.id,
    source: "checkout",
    credits: pack.credits,
    priceCents: pack.priceCents,
    currency: pack.currency,
  });
  const metadata = { org_id: orgId, pack_id: pack.id, purchase_id: purchaseId };
  let session: Stripe.Checkout.Session;
  try {
    session = await stripe.checkout.sessions.create(
      {
        mode: "payment",
        customer: customerId,
        client_reference_id: orgId,
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: pack.currency,
              unit_amount: pack.priceCents,
              product_data: { name: `${pack.name} (${pack.credits.toLocaleString("en-US")} credits)` },
            },
          },
        ],
        // The card is saved for auto top-up (an off-session PaymentIntent later).
        payment_intent_data: { setup_future_usage: "off_session", metadata },
        metadata,
        success_url: success,
        cancel_url: cancel,
      },
      { idempotencyKey: `flowgate-checkout-${purchaseId}` },
    );
  } catch (e) {
    await db.delete(creditPurchases).where(eq(creditPurchases.id, purchaseId));
    return stripeUnavailable(e, "checkout session create");
  }
  await db.update(creditPurchases).set({ checkoutSessionId: session.id }).where(eq(creditPurchases.id, purchaseId));
  return { success: true as const, session_id: session.id, url: session.url!, purchase_id: purchaseId };
}

/** A Stripe Customer pays in one currency: the first paid purchase fixes it. */
function assertCurrency(currency: string | null, pack: CreditPack) {
  if (currency && currency !== pack.currency) {
    throw new AppError(
      "invalid_request",
      `This pack is priced in ${pack.currency.toUpperCase()}; this organization pays in ${currency.toUpperCase()}`,
    );
  }
}
