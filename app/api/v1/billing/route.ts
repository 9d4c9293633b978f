export const dynamic = "force-dynamic";

// GET /api/v1/billing – balance, packs, auto top-up and purchases (admin keys)
export { getBillingRoute as GET } from "@/lib/api/endpoints/billing";
