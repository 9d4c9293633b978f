import { visibleWorkflows } from "@/lib/auth/scope";
import { apiRoute } from "@/lib/api/route";
import { getUsage } from "@/lib/usage/get-usage";

export const dynamic = "force-dynamic";

// GET /api/v1/usage?group_by=user|key|workflow&from=&to= – tokens, credits and runs per group
export const GET = apiRoute({ auth: "apiKey" }, async ({ req, ctx }) => getUsage(ctx.principal!.orgId, new URL(req.url).searchParams, visibleWorkflows(ctx.principal!)));
