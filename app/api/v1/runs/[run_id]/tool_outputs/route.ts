export const maxDuration = 300;
export const dynamic = "force-dynamic";

// POST /api/v1/runs/:run_id/tool_outputs – answer a run's client tool calls; the model goes on in a new run
export { toolOutputsRoute as POST } from "@/lib/api/endpoints/runs";
