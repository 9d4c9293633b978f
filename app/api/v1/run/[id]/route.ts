import { apiRoute } from "@/lib/api/route";
import { readJsonObject } from "@/lib/api/body";
import { executeRun } from "@/lib/runs/execute-run";

export const maxDuration = 300;
export const dynamic = "force-dynamic";

// POST /api/v1/run/:workflow_id – run the published workflow and return its full output (seed)
export const POST = apiRoute<{ id: string }>({ auth: "apiKey" }, async ({ req, ctx, params }) =>
  executeRun({
    orgId: ctx.principal!.orgId,
    apiKeyId: ctx.principal!.keyId,
    workflowId: params.id,
    body: await readJsonObject(req),
    clientSignal: req.signal,
  }),
);
