import { setAutoTopUp } from "@/lib/billing/auto-top-up";
import { startCheckout } from "@/lib/billing/checkout";
import { autoTopUpBody, autoTopUpResponse, billingResponse, checkoutBody, checkoutResponse } from "@/lib/billing/schemas";
import { billingSummary } from "@/lib/billing/summary";
import { publicBaseUrl } from "@/lib/public-base-url";
import { apiRoute } from "../route";
import { AUTHED, IDEMPOTENCY_ERRORS, IDEMPOTENCY_HEADER } from "../route-doc";

// Buying credits through the API (admin keys): the same checkout and summary as the dashboard's
// Billing page. Credits arrive only with Stripe's signed event (POST /api/webhooks/stripe).

// GET /api/v1/billing – balance, packs on sale, the auto top-up setting and the latest purchases
export const getBillingRoute = apiRoute(
  {
    method: "GET",
    path: "/api/v1/billing",
    auth: "apiKey",
    needs: "admin",
    response: billingResponse,
    doc: {
      operationId: "getBilling",
      tag: "Billing",
      summary: "Balance, credit packs, auto top-up and purchases (admin keys)",
      ok: { description: "The org's billing state." },
      errors: [...AUTHED],
    },
  },
  async ({ ctx }) => {
    const { flagged: _flagged, ...summary } = await billingSummary(ctx.principal.orgId);
    return summary;
  },
);

// POST /api/v1/billing/checkout – a Stripe Checkout Session for a pack; the credits arrive when Stripe reports it paid
export const checkoutRoute = apiRoute(
  {
    method: "POST",
    path: "/api/v1/billing/checkout",
    auth: "apiKey",
    needs: "admin",
    idempotent: {},
    body: checkoutBody,
    response: checkoutResponse,
    doc: {
      operationId: "createCheckout",
      tag: "Billing",
      summary: "Start buying a credit pack with Stripe Checkout (admin keys)",
      description:
        "Answers Stripe's hosted payment page; the pack's credits are added when Stripe reports the payment (never by the return page). " +
        "success_url and cancel_url default to the dashboard's Billing page and must be on this server's origin. 503 when buying is not configured.",
      headerParams: [IDEMPOTENCY_HEADER],
      body: {
        description: "The pack, and where Stripe sends the buyer back.",
        examples: { pack: { summary: "A pack", value: { pack_id: "pack_abc123" } } },
      },
      ok: { description: "The Checkout Session." },
      errors: ["invalid_request", ...AUTHED, "not_found", "service_unavailable", ...IDEMPOTENCY_ERRORS],
      errorExamples: {
        invalid_request: "success_url must be on https://flowgate.example.com",
        not_found: 'Pack "pack_abc123" is not on sale',
      },
    },
  },
  ({ ctx, req, body }) =>
    startCheckout({
      orgId: ctx.principal.orgId,
      packId: body.pack_id,
      successUrl: body.success_url,
      cancelUrl: body.cancel_url,
      origin: publicBaseUrl(req.headers),
    }),
);

// PATCH /api/v1/billing/auto-top-up – turn auto top-up on (threshold, pack, monthly cap) or off
export const autoTopUpRoute = apiRoute(
  {
    method: "PATCH",
    path: "/api/v1/billing/auto-top-up",
    auth: "apiKey",
    needs: "admin",
    idempotent: {},
    body: autoTopUpBody,
    response: autoTopUpResponse,
    doc: {
      operationId: "setAutoTopUp",
      tag: "Billing",
      summary: "Turn auto top-up on or off (admin keys)",
      description:
        "When a run leaves the balance under the threshold, the pack is charged to the card saved at the last checkout, " +
        "one at a time and never past the monthly cap. A declined charge turns it off (the reason is in GET /api/v1/billing) and sends billing.auto_top_up_failed.",
      headerParams: [IDEMPOTENCY_HEADER],
      body: {
        description: "The setting.",
        examples: {
          on: { summary: "On", value: { enabled: true, threshold: 1000, pack_id: "pack_abc123", monthly_cap_cents: 10000 } },
          off: { summary: "Off", value: { enabled: false } },
        },
      },
      ok: { description: "The setting as saved." },
      errors: ["invalid_request", ...AUTHED, "not_found", ...IDEMPOTENCY_ERRORS],
    },
  },
  async ({ ctx, body }) => {
    await setAutoTopUp(ctx.principal.orgId, {
      enabled: body.enabled,
      threshold: body.threshold,
      packId: body.pack_id,
      monthlyCapCents: body.monthly_cap_cents,
    });
    const { auto_top_up } = await billingSummary(ctx.principal.orgId);
    return { success: true as const, auto_top_up };
  },
);
