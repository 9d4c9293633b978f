export const dynamic = "force-dynamic";

// POST /api/v1/workflows/:workflow_id/evals – queue an eval of the draft or a version (admin keys)
export { startEvalRoute as POST } from "@/lib/api/endpoints/evals";
