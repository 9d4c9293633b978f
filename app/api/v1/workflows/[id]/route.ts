import { apiRoute } from "@/lib/api/route";
import { publishedVersionOf } from "@/lib/runs/prepare-run";
import { describeWorkflow } from "@/lib/workflows/describe-workflow";

export const dynamic = "force-dynamic";

// GET /api/v1/workflows/:workflow_id[?version=N | ?label=name] – variables, model, version and labels of a published workflow
export const GET = apiRoute({ auth: "apiKey", prefetch: publishedVersionOf }, async ({ ctx, prefetched }) =>
  describeWorkflow(ctx.principal!.orgId, prefetched),
);
