import "server-only";
import { getDb } from "@/db";
import { getBillingAccount } from "@/db/queries/billing";
import { AppError } from "@/lib/errors";
import { stripeUnavailable } from "./checkout";
import { stripeClient } from "./stripe-client";

/** A Stripe billing portal session (payment methods, receipts) for the org's Customer. */
export async function billingPortalUrl(orgId: string, returnUrl: string): Promise<{ url: string }> {
  const stripe = stripeClient();
  const account = await getBillingAccount(await getDb(), orgId);
  if (!account?.stripeCustomerId)
    throw new AppError("invalid_request", "Buy a pack first: the portal shows the payments of an organization that has made one");
  const session = await stripe.billingPortal.sessions
    .create({ customer: account.stripeCustomerId, return_url: returnUrl })
    .catch((e: unknown) => stripeUnavailable(e, "billing portal session"));
  return { url: session.url };
}
