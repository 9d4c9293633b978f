export const dynamic = "force-dynamic";

// POST /api/v1/billing/checkout – a Stripe Checkout Session for a credit pack (admin keys)
export { checkoutRoute as POST } from "@/lib/api/endpoints/billing";
