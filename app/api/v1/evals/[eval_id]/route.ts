export const dynamic = "force-dynamic";

// GET /api/v1/evals/:eval_id – an eval's status, totals and per-case results (admin keys)
export { getEvalRoute as GET } from "@/lib/api/endpoints/evals";
