export const dynamic = "force-dynamic";

// GET /api/v1/sessions/:session_id – the turns of a conversation
export { getSessionRoute as GET } from "@/lib/api/endpoints/org";
