import { apiRoute, corsPreflight } from "@/lib/api/route";
import { resumeRun } from "@/lib/runs/resume-run";

export const maxDuration = 300;
export const dynamic = "force-dynamic";

// GET /api/v1/runs/:run_id/stream?token=… – resume a resumable run's stream (SSE from Last-Event-ID, UI/text from the start)
export const GET = apiRoute<{ id: string }>({ auth: "streamTokenOrKey", cors: true }, async ({ req, ctx, params }) =>
  resumeRun({ req, principal: ctx.principal!, runId: params.id, headers: ctx.headers }),
);

// OPTIONS – CORS preflight
export const OPTIONS = corsPreflight;
