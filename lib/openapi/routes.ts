import type { z } from "zod";
import type { ErrorCode } from "@/lib/errors";
import { healthResponse } from "@/lib/health";
import {
  listRunsQuery, listRunsResponse, resumeQuery, runBody, runRecordResponse, runResponse, streamBody, streamQuery,
} from "@/lib/runs/schemas";
import { sessionResponse } from "@/lib/sessions/schemas";
import { mintTokenQuery, mintTokenResponse } from "@/lib/stream-tokens/schemas";
import { usageQuery, usageResponse } from "@/lib/usage/schemas";
import { pinQuery, workflowDescription } from "@/lib/workflows/schemas";

// The route registry: every operation of the public API, with the very zod schemas its code
// parses and returns. tests/api/openapi.test.ts checks it against the route files on disk (every
// exported method documented, nothing documented that is not there).

/** What a streaming response can be, besides JSON. */
export type StreamMedia = "text" | "sse" | "ui";

export type ApiOperation = {
  method: "get" | "post";
  /** OpenAPI path, `{name}` for a path segment (`[id]` on disk). */
  path: string;
  operationId: string;
  tag: "Runs" | "Streaming" | "Tokens" | "Workflows" | "Sessions" | "Usage" | "Meta";
  summary: string;
  description?: string;
  /** apiKey: Bearer sk_…; streamTokenOrKey: ?token=pub_tok_… or Bearer; none: public. */
  auth: "apiKey" | "streamTokenOrKey" | "none";
  pathParams?: Record<string, { description: string; example: string }>;
  query?: z.ZodObject;
  headerParams?: Array<{ name: string; description: string; example?: string }>;
  body?: { schema: z.ZodType; description: string; examples: Record<string, { summary: string; value: unknown }> };
  /** The 200 response: JSON (a response schema) or a stream. */
  ok: { description: string; json?: z.ZodType; stream?: StreamMedia[]; cache?: string };
  /** Other non-error answers (e.g. 204). */
  otherResponses?: Record<number, string>;
  /** Error codes this operation can answer with (lib/errors.ts), and an example message where it varies. */
  errors: ErrorCode[];
  errorExamples?: Partial<Record<ErrorCode, string>>;
};

const WORKFLOW_ID = { workflow_id: { description: "The workflow's id (wf_…), from the dashboard.", example: "wf_abc123" } };
const RUN_ID = { run_id: { description: "A run id (run_…), from a /run response, x-run-id or a stream's metadata.", example: "run_abc123" } };
const STORY = { story: "a story about a dog named charlie" };
/** Every authenticated operation may answer these (forbidden: a key used from an origin it does not allow). */
const AUTHED: ErrorCode[] = ["unauthorized", "forbidden", "rate_limited", "internal_server_error"];
const RUN_ERRORS: ErrorCode[] = ["invalid_request", ...AUTHED, "invalid_billing", "workflow_not_found", "payload_too_large"];

export const API_OPERATIONS: ApiOperation[] = [
  {
    method: "post", path: "/api/v1/run/{workflow_id}", operationId: "runWorkflow", tag: "Runs",
    summary: "Run a published workflow and return its full output",
    description: "The body's keys are the template's variables (unknown keys are ignored). Runs are limited to 300 s.",
    auth: "apiKey", pathParams: WORKFLOW_ID, query: pinQuery,
    body: {
      schema: runBody, description: "The workflow's variables, plus optional session_id and user.",
      examples: { variables: { summary: "Template variables", value: STORY }, session: { summary: "A turn of a conversation, attributed to an end user", value: { ...STORY, session_id: "chat_42", user: "alice" } } },
    },
    ok: { description: "The run completed.", json: runResponse },
    errors: RUN_ERRORS,
    errorExamples: { invalid_request: "Missing required parameter: story" },
  },
  {
    method: "post", path: "/api/v1/run/{workflow_id}/stream", operationId: "streamWorkflow", tag: "Streaming",
    summary: "Stream a published workflow's output as it is generated",
    description: "Browsers authenticate with a single-use stream token (`?token=`, from GET /api/v1/token); servers may use the Bearer key. "
      + "The protocol: `?protocol=`, else SSE for `Accept: text/event-stream`, the AI SDK UI message stream for a body with `messages`, else plain text. "
      + "Errors before the first token are the JSON error bodies; after it, an `error` event (SSE, UI) or an aborted plain-text stream. "
      + "A client that disconnects cancels the run unless `?resumable=1`. CORS: any origin.",
    auth: "streamTokenOrKey", pathParams: WORKFLOW_ID, query: streamQuery,
    headerParams: [{ name: "Accept", description: "`text/event-stream` selects SSE (unless ?protocol= says otherwise).", example: "text/event-stream" }],
    body: {
      schema: streamBody, description: "The workflow's variables; or seed B's {query, parameters}; or useChat's {id, messages, trigger, messageId}.",
      examples: {
        text: { summary: "Plain text stream", value: STORY },
        sse: { summary: "SSE (seed B), with Accept: text/event-stream", value: { query: STORY.story, parameters: {} } },
        ui: { summary: "useChat (UI message stream)", value: { id: "chat_1", trigger: "submit-message", messages: [{ id: "m1", role: "user", parts: [{ type: "text", text: STORY.story }] }] } },
      },
    },
    ok: { description: "The output, in the chosen protocol.", stream: ["text", "sse", "ui"] },
    errors: RUN_ERRORS,
    errorExamples: { invalid_request: "Missing required parameter: story" },
  },
  {
    method: "get", path: "/api/v1/token", operationId: "mintStreamToken", tag: "Tokens",
    summary: "Mint a single-use stream token for a browser",
    description: "Call from your backend; hand the token to the browser, which streams with it. Bound to the key's org, counts against the key's rate limit.",
    auth: "apiKey", query: mintTokenQuery,
    ok: { description: "A fresh token.", json: mintTokenResponse },
    errors: ["invalid_request", ...AUTHED],
    errorExamples: { invalid_request: "ttl must be an integer number of seconds from 1 to 3600" },
  },
  {
    method: "get", path: "/api/v1/runs", operationId: "listRuns", tag: "Runs",
    summary: "List the org's runs, newest first",
    auth: "apiKey", query: listRunsQuery,
    ok: { description: "A page of runs; `next_cursor` fetches the next one.", json: listRunsResponse },
    errors: ["invalid_request", ...AUTHED],
    errorExamples: { invalid_request: "limit: Too big: expected number to be <=100" },
  },
  {
    method: "get", path: "/api/v1/runs/{run_id}", operationId: "getRun", tag: "Runs",
    summary: "A run's status, output so far, usage, credits and timings",
    auth: "apiKey", pathParams: RUN_ID,
    ok: { description: "The run.", json: runRecordResponse },
    errors: [...AUTHED, "run_not_found"],
  },
  {
    method: "post", path: "/api/v1/runs/{run_id}/cancel", operationId: "cancelRun", tag: "Runs",
    summary: "Cancel a running run: stop the model call, keep the partial output, charge only what was produced",
    auth: "apiKey", pathParams: RUN_ID,
    ok: { description: "The run once it is final (status `canceled`), or still `running` after 5 s.", json: runRecordResponse },
    errors: [...AUTHED, "run_not_found", "run_not_running"],
    errorExamples: { run_not_running: "Run is not running (status: completed)" },
  },
  {
    method: "get", path: "/api/v1/runs/{run_id}/stream", operationId: "resumeRunStream", tag: "Streaming",
    summary: "Resume a resumable run's stream",
    description: "For runs started with `?resumable=1`: live until the run ends; SSE from the chunk after Last-Event-ID (or resume_from_index), UI and text from the start. A finished run no longer kept is replayed from its stored output.",
    auth: "streamTokenOrKey", pathParams: RUN_ID, query: resumeQuery,
    headerParams: [
      { name: "Last-Event-ID", description: "SSE: the last chunk index received.", example: "41" },
      { name: "Accept", description: "`text/event-stream` selects SSE.", example: "text/event-stream" },
    ],
    ok: { description: "The run's stream.", stream: ["text", "sse", "ui"] },
    otherResponses: { 204: "Nothing to resume: the run is still going but was not started resumable." },
    errors: ["invalid_request", ...AUTHED, "run_not_found"],
  },
  {
    method: "get", path: "/api/v1/sessions/{session_id}", operationId: "getSession", tag: "Sessions",
    summary: "The turns of a conversation (runs sharing a session_id)",
    auth: "apiKey", pathParams: { session_id: { description: "The session_id sent with the runs.", example: "chat_42" } },
    ok: { description: "The session's turns, oldest first.", json: sessionResponse },
    errors: ["invalid_request", ...AUTHED, "not_found"],
    errorExamples: { not_found: "Session not found" },
  },
  {
    method: "get", path: "/api/v1/usage", operationId: "getUsage", tag: "Usage",
    summary: "Runs, tokens and credits per end user, key or workflow",
    auth: "apiKey", query: usageQuery,
    ok: { description: "Usage in the window.", json: usageResponse },
    errors: ["invalid_request", ...AUTHED],
    errorExamples: { invalid_request: "from must be before to" },
  },
  {
    method: "get", path: "/api/v1/workflows/{workflow_id}", operationId: "describeWorkflow", tag: "Workflows",
    summary: "A published workflow's variables, model and version (for SDKs and form builders)",
    auth: "apiKey", pathParams: WORKFLOW_ID, query: pinQuery,
    ok: { description: "The published (or pinned) version.", json: workflowDescription },
    errors: ["invalid_request", ...AUTHED, "workflow_not_found"],
  },
  {
    method: "get", path: "/api/v1/openapi.json", operationId: "getOpenApiDocument", tag: "Meta",
    summary: "This document (OpenAPI 3.1)",
    auth: "none",
    ok: { description: "The OpenAPI 3.1 document. Public, CORS-open, cacheable.", cache: "public, max-age=300" },
    errors: [],
  },
  {
    method: "get", path: "/api/health", operationId: "getHealth", tag: "Meta",
    summary: "Liveness: the database (and the rate-limit store, when remote) answer",
    auth: "none",
    ok: { description: "Everything answers.", json: healthResponse },
    otherResponses: { 503: "Something is down (same body, `ok: false`)." },
    errors: [],
  },
];
