import { listRunsForApi } from "@/lib/runs/list-runs";
import { cancelRun } from "@/lib/runs/cancel-run";
import { getRunForApi } from "@/lib/runs/get-run";
import { publishedVersionOf } from "@/lib/runs/prepare-run";
import { answerOfRun, respondJson } from "@/lib/transports/respond-json";
import { prefersAsync, respondAsync } from "@/lib/runs/async-run";
import { listRunsQuery, listRunsResponse, runBody, runQuery, runRecordResponse, runResponse, toolOutputsBody } from "@/lib/runs/schemas";
import { submitToolOutputs } from "@/lib/transports/tool-outputs";
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

// POST /api/v1/runs/:run_id/tool_outputs – answer a run's client tool calls (status requires_action); the model goes on in a new run
export const toolOutputsRoute = apiRoute(
  {
    method: "POST",
    path: "/api/v1/runs/{run_id}/tool_outputs",
    auth: "apiKey",
    needs: "run",
    body: toolOutputsBody,
    response: runResponse,
    doc: {
      operationId: "submitToolOutputs",
      tag: "Runs",
      summary: "Answer a run's client tool calls: the model goes on in a new run (previous_run_id), within 10 minutes",
      description:
        "A run whose model called a client tool (a `function` tool of the workflow) answers `status: requires_action` with its `tool_calls`; " +
        "it is settled and holds no credits while it waits. Send one output per call within 10 minutes of its end (`expires_at`): the continuation is a new run of the same version, " +
        "reserved and charged like any run, answered like POST /run (it may itself require action again). Each waiting run is answered once. " +
        "`stream: true` streams the continuation as Server-Sent Events instead (the `sse` protocol of POST /run/{workflow_id}/stream).",
      pathParams: RUN_ID,
      body: {
        description: "One output per pending tool call.",
        examples: {
          outputs: {
            summary: "The weather tool's answer",
            value: { tool_outputs: [{ tool_call_id: "call_abc123", output: '{"forecast":"sunny"}' }] },
          },
        },
      },
      ok: { description: "The continuation's answer (or, with `stream: true`, its SSE stream).", stream: ["sse"] },
      errors: [...RUN_ERRORS, "run_not_found", "run_not_awaiting_tool_outputs"],
      errorExamples: {
        invalid_request: "tool_outputs: no output for call_abc123",
        run_not_awaiting_tool_outputs: "Run is not waiting for tool outputs: its tool calls expired (10 minutes after the run ended)",
      },
    },
  },
  ({ req, ctx, params, body }) => submitToolOutputs(ctx.principal, params.run_id, body, req),
);
