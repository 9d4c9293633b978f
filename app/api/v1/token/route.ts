export const dynamic = "force-dynamic";

// GET /api/v1/token – a single-use stream token for browsers
export { mintToken as GET } from "@/lib/api/endpoints/org";
