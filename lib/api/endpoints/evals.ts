import { evalRecordResponse, getEvalForApi, startEvalBody, startEvalForApi } from "@/lib/evals/api";
import { apiRoute } from "../route";
import { AUTHED, IDEMPOTENCY_ERRORS, IDEMPOTENCY_HEADER, WORKFLOW_ID } from "../route-doc";

// Evals for CI (admin keys): queue an eval of the draft or a version, then poll it (docs/ci.md).

// POST /api/v1/workflows/:workflow_id/evals – queue an eval; 202 with its id
export const startEvalRoute = apiRoute(
  {
    method: "POST",
    path: "/api/v1/workflows/{workflow_id}/evals",
    auth: "apiKey",
    needs: "admin",
    idempotent: {},
    body: startEvalBody,
    doc: {
      operationId: "startEval",
      tag: "Management",
      summary: "Queue an eval of the draft or a version over the workflow's dataset (admin keys)",
      description:
        "Each case is a real run with source `eval`, charged to the org; the eval runs on the job queue. Follow it with GET /api/v1/evals/{eval_id}; " +
        "an `eval.completed` webhook event is sent when it ends.",
      pathParams: WORKFLOW_ID,
      headerParams: [IDEMPOTENCY_HEADER],
      body: {
        description: '`version`: a published version number, or "draft" (the default).',
        examples: { draft: { summary: "The draft", value: { version: "draft" } }, v3: { summary: "Version 3", value: { version: 3 } } },
      },
      ok: { description: "Not used: the answer is a 202." },
      otherResponses: { 202: 'Queued: `{success: true, eval_id, status: "queued", …}`, with a Location header.' },
      errors: ["invalid_request", ...AUTHED, ...IDEMPOTENCY_ERRORS, "workflow_not_found"],
      errorExamples: { invalid_request: "The dataset is empty: add test cases first" },
    },
  },
  ({ ctx, params, body }) => startEvalForApi(ctx.principal, params.workflow_id, body.version),
);

// GET /api/v1/evals/:eval_id – status, totals and per-case results
export const getEvalRoute = apiRoute(
  {
    method: "GET",
    path: "/api/v1/evals/{eval_id}",
    auth: "apiKey",
    needs: "admin",
    response: evalRecordResponse,
    doc: {
      operationId: "getEval",
      tag: "Management",
      summary: "An eval's status, totals and per-case results (admin keys)",
      pathParams: {
        eval_id: { description: "An eval's id (evr_…), from POST /api/v1/workflows/{workflow_id}/evals.", example: "evr_abc123" },
      },
      ok: { description: "The eval; `ok` is true when it completed and every case passed." },
      errors: [...AUTHED, "not_found"],
    },
  },
  ({ ctx, params }) => getEvalForApi(ctx.principal, params.eval_id),
);
