import { visibleWorkflows } from "@/lib/auth/visibility";
import { publishedVersionOf } from "@/lib/runs/prepare-run";
import { getSessionForApi } from "@/lib/sessions/session-history";
import { sessionResponse } from "@/lib/sessions/schemas";
import { mintTokenQuery, mintTokenResponse } from "@/lib/stream-tokens/schemas";
import { mintStreamToken } from "@/lib/stream-tokens/stream-tokens";
import { getUsage } from "@/lib/usage/get-usage";
import { usageQuery, usageResponse } from "@/lib/usage/schemas";
import { describeWorkflow } from "@/lib/workflows/describe-workflow";
import { pinQuery, workflowDescription } from "@/lib/workflows/schemas";
import { apiRoute } from "../route";
import { AUTHED, WORKFLOW_ID } from "../route-doc";

// GET /api/v1/token?ttl=60[&user=][&workflow_id=][&max_credits=][&version=|&label=] – a single-use
// stream token for browsers, with the key's restrictions, optionally narrowed, its version fixed
export const mintToken = apiRoute(
  {
    method: "GET",
    path: "/api/v1/token",
    auth: "apiKey",
    needs: "run",
    seed: true,
    query: mintTokenQuery,
    response: mintTokenResponse,
    doc: {
      operationId: "mintStreamToken",
      tag: "Tokens",
      summary: "Mint a single-use stream token for a browser",
      description:
        "Call from your backend; hand the token to the browser, which streams with it. Bound to the key's org, counts against the key's rate limit.",
      ok: { description: "A fresh token." },
      errors: ["invalid_request", ...AUTHED],
      errorExamples: { invalid_request: "ttl must be an integer number of seconds from 1 to 3600" },
    },
  },
  ({ ctx, query: q }) =>
    mintStreamToken(ctx.principal, q.ttl, q.user ?? null, {
      workflowId: q.workflow_id ?? null,
      maxCredits: q.max_credits ?? null,
      ...(q.version !== undefined ? { version: q.version } : {}),
      ...(q.label !== undefined ? { label: q.label } : {}),
    }),
);

// GET /api/v1/workflows/:workflow_id[?version=N | ?label=name] – variables, model, version and labels of a published workflow
export const describeWorkflowRoute = apiRoute(
  {
    method: "GET",
    path: "/api/v1/workflows/{workflow_id}",
    auth: "apiKey",
    needs: ["run", "admin"],
    query: pinQuery,
    response: workflowDescription,
    prefetch: publishedVersionOf,
    doc: {
      operationId: "describeWorkflow",
      tag: "Workflows",
      summary: "A published workflow's variables, model and version (for SDKs and form builders)",
      pathParams: WORKFLOW_ID,
      ok: { description: "The published (or pinned) version." },
      errors: ["invalid_request", ...AUTHED, "workflow_not_found"],
    },
  },
  ({ ctx, prefetched }) => describeWorkflow(ctx.principal.orgId, prefetched),
);

// GET /api/v1/sessions/:session_id – the turns of a conversation (runs sharing a session_id)
export const getSessionRoute = apiRoute(
  {
    method: "GET",
    path: "/api/v1/sessions/{session_id}",
    auth: "apiKey",
    needs: "run",
    response: sessionResponse,
    doc: {
      operationId: "getSession",
      tag: "Sessions",
      summary: "The turns of a conversation (runs sharing a session_id)",
      pathParams: { session_id: { description: "The session_id sent with the runs.", example: "chat_42" } },
      ok: { description: "The session's turns, oldest first." },
      errors: ["invalid_request", ...AUTHED, "not_found"],
      errorExamples: { not_found: "Session not found" },
    },
  },
  ({ ctx, params }) => getSessionForApi(ctx.principal, params.session_id),
);

// GET /api/v1/usage?group_by=user|key|workflow&from=&to= – tokens, credits and runs per group
export const usage = apiRoute(
  {
    method: "GET",
    path: "/api/v1/usage",
    auth: "apiKey",
    needs: "run",
    query: usageQuery,
    response: usageResponse,
    doc: {
      operationId: "getUsage",
      tag: "Usage",
      summary: "Runs, tokens and credits per end user, key or workflow",
      ok: { description: "Usage in the window." },
      errors: ["invalid_request", ...AUTHED],
      errorExamples: { invalid_request: "from must be before to" },
    },
  },
  ({ ctx, query }) => getUsage(ctx.principal.orgId, query, visibleWorkflows(ctx.principal)),
);
