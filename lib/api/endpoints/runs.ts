import { listRunsForApi } from "@/lib/runs/list-runs";
import { cancelRun } from "@/lib/runs/cancel-run";
import { getRunForApi } from "@/lib/runs/get-run";
import { publishedVersionOf } from "@/lib/runs/prepare-run";
import { answerOfRun, respondJson } from "@/lib/transports/respond-json";
import { prefersAsync, respondAsync } from "@/lib/runs/async-run";
import { listRunsQuery, listRunsResponse, runBody, runQuery, runRecordResponse, runResponse } from "@/lib/runs/schemas";
import { visibleWorkflows } from "@/lib/auth/visibility";
import { apiRoute } from "../route";
import { AUTHED, IDEMPOTENCY_ERRORS, IDEMPOTENCY_HEADER, RUN_ERRORS, RUN_ID, STORY, WORKFLOW_ID } from "../route-doc";

// POST /api/v1/run/:workflow_id – run the published workflow and return its full output
export const runWorkflow = apiRoute(
  {
    method: "POST",
    path: "/api/v1/run/{workflow_id}",
    auth: "apiKey",
    needs: "run",
    seed: true,
    query: runQuery,
    body: runBody,
    response: runResponse,
    prefetch: publishedVersionOf,
    endUserRateLimit: ({ params, body }) => ({ workflowId: params.workflow_id, user: body.user }),
    idempotent: { run: { answer: ({ principal, runId }) => answerOfRun(principal, runId) } },
    doc: {
      operationId: "runWorkflow",
      tag: "Runs",
      summary: "Run a published workflow and return its full output",
      description:
        "The body's keys are the template's variables (unknown keys are ignored). Runs are limited to 300 s. " +
        "With an Idempotency-Key the run goes on if the client disconnects, and a retry with the same key gets its answer. " +
        "With `Prefer: respond-async` (or `?async=true`) the run is admitted and its credits reserved at once, the answer is a 202 with its run_id and " +
        "`Location: /api/v1/runs/{run_id}`, and a queue executes it: GET /api/v1/runs/{run_id} shows queued → running → completed; POST …/cancel cancels it while queued.",
      pathParams: WORKFLOW_ID,
      headerParams: [
        IDEMPOTENCY_HEADER,
        { name: "Prefer", description: "`respond-async`: answer 202 at once, run from the queue.", example: "respond-async" },
      ],
      body: {
        description: "The workflow's variables, plus optional session_id and user.",
        examples: {
          variables: { summary: "Template variables", value: STORY },
          session: {
            summary: "A turn of a conversation, attributed to an end user",
            value: { ...STORY, session_id: "chat_42", user: "alice" },
          },
        },
      },
      ok: { description: "The run completed." },
      otherResponses: { 202: 'Async (Prefer: respond-async): `{success: true, run_id, status: "queued"}`, with a Location header.' },
      errors: [...RUN_ERRORS, ...IDEMPOTENCY_ERRORS],
      errorExamples: { invalid_request: "Missing required parameter: story" },
    },
  },
  ({ req, ctx, query, body, rawBody, prefetched }) => {
    const r = {
      principal: ctx.principal,
      version: prefetched,
      fields: body,
      shape: () => ({ vars: rawBody, history: [] }),
      timing: ctx.timing,
      runId: ctx.runId,
    };
    return query.async || prefersAsync(req) ? respondAsync(r) : respondJson(r, req.signal);
  },
);

// GET /api/v1/runs?workflow_id=&status=&limit=&cursor= – the org's runs, newest first
export const listRunsRoute = apiRoute(
  {
    method: "GET",
    path: "/api/v1/runs",
    auth: "apiKey",
    needs: "run",
    query: listRunsQuery,
    response: listRunsResponse,
    doc: {
      operationId: "listRuns",
      tag: "Runs",
      summary: "List the org's runs, newest first",
      ok: { description: "A page of runs; `next_cursor` fetches the next one." },
      errors: ["invalid_request", ...AUTHED],
      errorExamples: { invalid_request: "limit must be an integer from 1 to 100" },
    },
  },
  ({ ctx, query }) => listRunsForApi(ctx.principal.orgId, query, visibleWorkflows(ctx.principal)),
);

// GET /api/v1/runs/:run_id – status, result so far, citations, usage, credits, timings
export const getRunRoute = apiRoute(
  {
    method: "GET",
    path: "/api/v1/runs/{run_id}",
    auth: "apiKey",
    needs: "run",
    response: runRecordResponse,
    doc: {
      operationId: "getRun",
      tag: "Runs",
      summary: "A run's status, output so far, usage, credits and timings",
      pathParams: RUN_ID,
      ok: { description: "The run." },
      errors: [...AUTHED, "run_not_found"],
    },
  },
  ({ ctx, params }) => getRunForApi(ctx.principal, params.run_id),
);

// POST /api/v1/runs/:run_id/cancel – abort the model call, keep the partial output, charge what was produced plus the input the provider received
export const cancelRunRoute = apiRoute(
  {
    method: "POST",
    path: "/api/v1/runs/{run_id}/cancel",
    auth: "apiKey",
    needs: "run",
    response: runRecordResponse,
    doc: {
      operationId: "cancelRun",
      tag: "Runs",
      summary:
        "Cancel a running run: stop the model call, keep the partial output, charge what was produced plus the input the provider received",
      pathParams: RUN_ID,
      ok: { description: "The run once it is final (status `canceled`), or still `running` after 5 s." },
      errors: [...AUTHED, "run_not_found", "run_not_running"],
      errorExamples: { run_not_running: "Run is not running (status: completed)" },
    },
  },
  ({ ctx, params }) => cancelRun(ctx.principal, params.run_id),
);
