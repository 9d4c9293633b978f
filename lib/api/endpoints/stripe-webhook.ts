import { handleStripeEvent, verifyStripeEvent } from "@/lib/billing/stripe-events";
import { AppError } from "@/lib/errors";
import { MAX_BODY_BYTES, readText } from "../body";
import { apiRoute } from "../route";

// POST /api/webhooks/stripe – Stripe's events (not part of the public API: Stripe is the caller,
// its signature the credential). The body is read raw: the signature covers its exact bytes.
export const stripeWebhookRoute = apiRoute({ method: "POST", path: "/api/webhooks/stripe", auth: "none" }, async ({ req }) => {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > MAX_BODY_BYTES) throw new AppError("payload_too_large");
  const payload = await readText(req, MAX_BODY_BYTES);
  const event = verifyStripeEvent(payload, req.headers.get("stripe-signature"));
  const { handled } = await handleStripeEvent(event);
  return { received: true, handled };
});
