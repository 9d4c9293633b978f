"use server";

import { headers } from "next/headers";
import { z } from "zod";
import { org } from "@/app/dashboard/action-inputs";
import { currentUserId } from "@/lib/auth/current-user";
import { orgAction } from "@/lib/auth/org-action";
import { setAutoTopUp } from "@/lib/billing/auto-top-up";
import { startCheckout } from "@/lib/billing/checkout";
import { billingPortalUrl } from "@/lib/billing/portal";
import { getEnv } from "@/lib/env";
import { publicBaseUrl } from "@/lib/public-base-url";

// Billing: owners and admins buy a pack (Stripe's hosted page: the browser goes to the URL
// answered), open Stripe's billing portal, and set auto top-up. Credits arrive only with Stripe's
// signed event (POST /api/webhooks/stripe), never from these (lib/credits/README.md).

/** The dashboard's origin: the request's (Next's headers), or the configured one when there is no request (tests calling .run). */
async function dashboardOrigin() {
  try {
    return publicBaseUrl(await headers());
  } catch {
    return getEnv().BETTER_AUTH_URL?.replace(/\/$/, "") ?? `http://localhost:${getEnv().PORT}`;
  }
}

export const buyPackAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...org, packId: z.string().min(1).max(100) }) },
  async ({ input, actor }) => {
    const { url, session_id } = await startCheckout({ orgId: actor.orgId, packId: input.packId, origin: await dashboardOrigin() });
    return { url, sessionId: session_id };
  },
);

export const billingPortalAction = orgAction({ role: "admin", currentUserId, input: z.object(org) }, async ({ actor }) =>
  billingPortalUrl(actor.orgId, `${await dashboardOrigin()}/dashboard/billing`),
);

export const setAutoTopUpAction = orgAction(
  {
    role: "admin",
    currentUserId,
    input: z.object({
      ...org,
      enabled: z.boolean(),
      threshold: z.int().min(1).max(1_000_000_000_000).optional(),
      packId: z.string().max(100).optional(),
      monthlyCapCents: z.int().min(1).max(100_000_000_000).optional(),
    }),
  },
  ({ input: { orgId: _, ...s }, actor }) => setAutoTopUp(actor.orgId, s),
);
