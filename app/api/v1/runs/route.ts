export const dynamic = "force-dynamic";

// GET /api/v1/runs – the org's runs, newest first
export { listRuns as GET } from "@/lib/api/endpoints/runs";
