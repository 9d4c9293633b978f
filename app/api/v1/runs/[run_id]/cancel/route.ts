export const dynamic = "force-dynamic";

// POST /api/v1/runs/:run_id/cancel – abort the model call, keep the partial output, charge what was produced plus the input the provider received
export { cancelRunRoute as POST } from "@/lib/api/endpoints/runs";
