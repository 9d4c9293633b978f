export const dynamic = "force-dynamic";

// POST /api/v1/workflows/:workflow_id/publish – publish the draft with a note (admin keys)
export { publishWorkflowRoute as POST } from "@/lib/api/endpoints/management";
