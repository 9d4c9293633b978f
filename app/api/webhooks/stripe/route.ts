export const dynamic = "force-dynamic";

// POST /api/webhooks/stripe – Stripe's signed events: purchases paid, refunds, disputes
export { stripeWebhookRoute as POST } from "@/lib/api/endpoints/stripe-webhook";
