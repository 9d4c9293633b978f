import { visibleWorkflows } from "@/lib/auth/scope";
import { apiRoute } from "@/lib/api/route";
import { getSessionForApi } from "@/lib/sessions/session-history";

export const dynamic = "force-dynamic";

// GET /api/v1/sessions/:session_id – the turns of a conversation (runs sharing a session_id)
export const GET = apiRoute<{ id: string }>({ auth: "apiKey" }, async ({ ctx, params }) => getSessionForApi(ctx.principal!.orgId, params.id, visibleWorkflows(ctx.principal!)));
