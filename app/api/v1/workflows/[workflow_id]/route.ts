export const dynamic = "force-dynamic";

// GET /api/v1/workflows/:workflow_id – a published workflow's variables, model, version and labels
export { describeWorkflowRoute as GET } from "@/lib/api/endpoints/org";
