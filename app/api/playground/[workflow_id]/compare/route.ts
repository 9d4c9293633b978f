export const maxDuration = 300;
export const dynamic = "force-dynamic";

// POST /api/playground/:workflow_id/compare – the editor's Compare: up to 4 columns streamed in parallel (NDJSON)
export { compareRun as POST } from "@/lib/api/endpoints/compare";
