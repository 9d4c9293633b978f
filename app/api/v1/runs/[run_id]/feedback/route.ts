export const dynamic = "force-dynamic";

// POST /api/v1/runs/:run_id/feedback – an end user's score (and comment) for a run
export { runFeedbackRoute as POST } from "@/lib/api/endpoints/feedback";
export { corsPreflight as OPTIONS } from "@/lib/api/route";
