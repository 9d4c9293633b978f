import { readJsonObject } from "@/lib/api/body";
import { apiRoute } from "@/lib/api/route";
import { loadDraftAsVersion } from "@/lib/runs/prepare-run";
import { streamRun } from "@/lib/runs/stream-run";

export const maxDuration = 300;
export const dynamic = "force-dynamic";

// POST /api/playground/:workflow_id – the dashboard's playground: runs the saved draft for a
// signed-in member (no API key), in any stream protocol, charged to the org as source "playground".
export const POST = apiRoute(
  { auth: "session", prefetch: ({ params, principal }: { params: { id: string }; principal: { orgId: string } }) => loadDraftAsVersion(principal.orgId, params.id) },
  async ({ req, ctx, params, prefetched }) =>
    streamRun({ req, body: await readJsonObject(req), principal: ctx.principal!, workflowId: params.id, headers: ctx.headers, timing: ctx.timing, version: prefetched, source: "playground" }),
);
