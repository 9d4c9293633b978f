import { readJsonObject } from "@/lib/api/body";
import { apiRoute, corsPreflight } from "@/lib/api/route";
import { publishedVersionOf } from "@/lib/runs/prepare-run";
import { streamRun } from "@/lib/runs/stream-run";

export const maxDuration = 300;
export const dynamic = "force-dynamic";

// POST /api/v1/run/:workflow_id/stream?token=pub_tok_… – the output as it is generated: plain text
// (seed), the AI SDK UI message stream (useChat), or SSE events (Accept: text/event-stream)
export const POST = apiRoute({ auth: "streamTokenOrKey", cors: true, prefetch: publishedVersionOf }, async ({ req, ctx, params, prefetched }) =>
  streamRun({ req, body: await readJsonObject(req), principal: ctx.principal!, workflowId: params.id, headers: ctx.headers, timing: ctx.timing, version: prefetched }),
);

// OPTIONS – CORS preflight: browsers call this endpoint directly from any origin (the token is the credential)
export const OPTIONS = corsPreflight;
