import { visibleWorkflows } from "@/lib/auth/scope";
import { apiRoute } from "@/lib/api/route";
import { listRunsForApi } from "@/lib/runs/list-runs";

export const dynamic = "force-dynamic";

// GET /api/v1/runs?workflow_id=&status=&limit=&cursor= – the org's runs, newest first
export const GET = apiRoute({ auth: "apiKey" }, async ({ req, ctx }) =>
  listRunsForApi(ctx.principal!.orgId, new URL(req.url).searchParams, visibleWorkflows(ctx.principal!)),
);
