export const dynamic = "force-dynamic";

// GET /api/v1/workflows/:workflow_id – a published workflow's variables, model, version and labels
export { describeWorkflowRoute as GET } from "@/lib/api/endpoints/org";
// PATCH /api/v1/workflows/:workflow_id – update the draft (admin keys)
export { updateDraftRoute as PATCH } from "@/lib/api/endpoints/management";
