export const maxDuration = 300;
export const dynamic = "force-dynamic";

// POST /api/v1/run/:workflow_id/stream – the output as it is generated (text, UI message stream, SSE)
// OPTIONS – CORS preflight: browsers call this endpoint directly from any origin (the token is the credential)
export { streamWorkflow as POST } from "@/lib/api/endpoints/streaming";
export { corsPreflight as OPTIONS } from "@/lib/api/route";
