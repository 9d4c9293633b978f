import { visibleWorkflows } from "@/lib/auth/scope";
import { apiRoute } from "@/lib/api/route";
import { cancelRun } from "@/lib/runs/cancel-run";

export const dynamic = "force-dynamic";

// POST /api/v1/runs/:run_id/cancel – abort the model call, keep the partial output, bill only what was produced
export const POST = apiRoute<{ id: string }>({ auth: "apiKey" }, async ({ ctx, params }) =>
  cancelRun({ orgId: ctx.principal!.orgId, runId: params.id, workflowIds: visibleWorkflows(ctx.principal!) }),
);
