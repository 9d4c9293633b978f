import { visibleWorkflows } from "@/lib/auth/scope";
import { apiRoute } from "@/lib/api/route";
import { getRunForApi } from "@/lib/runs/get-run";

export const dynamic = "force-dynamic";

// GET /api/v1/runs/:run_id – status, result so far, citations, usage, credits, timings
export const GET = apiRoute<{ id: string }>({ auth: "apiKey" }, async ({ ctx, params }) =>
  getRunForApi({ orgId: ctx.principal!.orgId, runId: params.id, workflowIds: visibleWorkflows(ctx.principal!) }),
);
