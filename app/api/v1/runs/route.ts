export const dynamic = "force-dynamic";

// GET /api/v1/runs – the org's runs, newest first
export { listRunsRoute as GET } from "@/lib/api/endpoints/runs";
