export const dynamic = "force-dynamic";

// POST /api/v1/workflows/:workflow_id/labels/:label/promote – end a split on its winning version (admin keys)
export { promoteLabelRoute as POST } from "@/lib/api/endpoints/management";
