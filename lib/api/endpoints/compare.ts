import { compareBody, startCompare } from "@/lib/evals/compare";
import { AppError } from "@/lib/errors";
import { checkLimit } from "@/lib/ratelimit/limiter";
import { apiKeyPolicy } from "@/lib/ratelimit/policies";
import { apiRoute } from "../route";

// POST /api/playground/:workflow_id/compare – the editor's Compare: one set of inputs against up to
// 4 columns (the draft or a version, each on its own model), streamed in parallel as one NDJSON
// response; each column a charged playground run, each judge call a charged eval run.
export const compareRun = apiRoute(
  {
    method: "POST",
    path: "/api/playground/{workflow_id}/compare",
    auth: "user",
    body: compareBody,
  },
  async ({ req, ctx, params, body, rawBody }) => {
    const principal = ctx.principal;
    // The pipeline counted this request once; each further model call counts too, as that many
    // playground runs would (the judge's included), so a comparison cannot multiply the limit.
    const calls = body.columns.length * (body.judge ? 2 : 1);
    for (let i = 1; i < calls; i++) {
      const rl = await checkLimit(`user:${principal.userId}`, apiKeyPolicy(principal.rateLimitPerMinute));
      ctx.headers.set("x-ratelimit-remaining", String(rl.remaining));
      if (!rl.success) throw new AppError("rate_limited");
    }
    const stream = await startCompare({
      principal,
      workflowId: params.workflow_id,
      body,
      // The object as sent (compareBody checked it is one): its keys exactly as written.
      inputs: rawBody.inputs as Record<string, unknown>,
      signal: req.signal,
    });
    return new Response(stream, {
      headers: { "content-type": "application/x-ndjson; charset=utf-8", "x-accel-buffering": "no" },
    });
  },
);
