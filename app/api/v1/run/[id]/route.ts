import { apiRoute } from "@/lib/api/route";
import { readJsonObject } from "@/lib/api/body";
import { executeRun } from "@/lib/runs/execute-run";
import { publishedVersionOf } from "@/lib/runs/prepare-run";

export const maxDuration = 300;
export const dynamic = "force-dynamic";

// POST /api/v1/run/:workflow_id – run the published workflow and return its full output (seed)
export const POST = apiRoute({ auth: "apiKey", prefetch: publishedVersionOf }, async ({ req, ctx, params, prefetched }) =>
  executeRun({
    version: prefetched,
    orgId: ctx.principal!.orgId,
    apiKeyId: ctx.principal!.keyId,
    scope: ctx.principal!.scope,
    workflowId: params.id,
    body: await readJsonObject(req),
    clientSignal: req.signal,
    checkKey: true,
  }),
);
