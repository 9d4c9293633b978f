export const maxDuration = 300;
export const dynamic = "force-dynamic";

// POST /api/v1/run/:workflow_id – run the published workflow and return its full output
export { runWorkflow as POST } from "@/lib/api/endpoints/runs";
