export const dynamic = "force-dynamic";

// GET /api/v1/runs/:run_id – status, result so far, usage, credits, timings
export { getRunRoute as GET } from "@/lib/api/endpoints/runs";
