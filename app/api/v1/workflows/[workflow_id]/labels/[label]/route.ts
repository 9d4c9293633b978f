export const dynamic = "force-dynamic";

// POST /api/v1/workflows/:workflow_id/labels/:label – move a label (admin keys)
export { moveLabelRoute as POST } from "@/lib/api/endpoints/management";
