export const dynamic = "force-dynamic";

// GET /api/v1/workflows/:workflow_id/export – the workflow as a JSON document (draft, versions, labels)
export { exportWorkflowRoute as GET } from "@/lib/api/endpoints/workflow-export";
