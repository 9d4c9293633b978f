export const maxDuration = 300;
export const dynamic = "force-dynamic";

// GET /api/v1/runs/:run_id/stream – resume a resumable run's stream
// OPTIONS – CORS preflight
export { resumeRunStream as GET } from "@/lib/api/endpoints/streaming";
export { corsPreflight as OPTIONS } from "@/lib/api/route";
