export const dynamic = "force-dynamic";

// POST /api/v1/runs/:run_id/cancel – abort the model call, keep the partial output, bill only what was produced
export { cancelRunRoute as POST } from "@/lib/api/endpoints/runs";
