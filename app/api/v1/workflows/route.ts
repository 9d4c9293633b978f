export const dynamic = "force-dynamic";

// GET /api/v1/workflows – the org's workflows (admin keys)
// POST /api/v1/workflows – create a draft (admin keys)
export { listWorkflowsRoute as GET, createWorkflowRoute as POST } from "@/lib/api/endpoints/management";
