export const dynamic = "force-dynamic";

// PATCH /api/v1/billing/auto-top-up – turn auto top-up on or off (admin keys)
export { autoTopUpRoute as PATCH } from "@/lib/api/endpoints/billing";
