import { loadDraftAsVersion, publishedVersionOf } from "@/lib/runs/prepare-run";
import { respondStream } from "@/lib/transports/respond-stream";
import { resumeRun } from "@/lib/transports/resume-run";
import { resumeQuery, streamBody, streamQuery } from "@/lib/runs/schemas";
import { chooseProtocol, continuedMessageId, pacingOf, streamInputs } from "@/lib/transports/stream-inputs";
import type { z } from "zod";
import { apiRoute, type RouteContext } from "../route";
import { answerOfRun } from "@/lib/transports/respond-json";
import { AUTHED, IDEMPOTENCY_ERRORS, IDEMPOTENCY_HEADER, RUN_ERRORS, RUN_ID, STORY, WORKFLOW_ID } from "../route-doc";
import type { WorkflowVersion } from "@/db/schema";

type StreamArgs = {
  req: Request;
  ctx: Pick<RouteContext<"streamTokenOrKey">, "principal" | "headers" | "timing" | "runId" | "admitted">;
  query: z.output<typeof streamQuery>;
  body: z.output<typeof streamBody>;
  rawBody: Record<string, unknown>;
  prefetched: WorkflowVersion;
};

/** /stream and the playground: the same run, in the protocol the client asked for. */
const streamHandler =
  (source: "stream" | "playground") =>
  ({ req, ctx, query, body, rawBody, prefetched }: StreamArgs) =>
    respondStream(
      {
        principal: ctx.principal,
        version: prefetched,
        source,
        fields: body,
        shape: (variables) => streamInputs(rawBody, body, variables),
        timing: ctx.timing,
        runId: ctx.runId,
        admitted: ctx.admitted,
      },
      {
        req,
        protocol: chooseProtocol(query.protocol, req, rawBody),
        resumable: query.resumable,
        headers: ctx.headers,
        pacing: pacingOf(body),
        continueMessageId: continuedMessageId(body),
      },
    );

// POST /api/v1/run/:workflow_id/stream?token=pub_tok_… – the output as it is generated: plain text,
// the AI SDK UI message stream (useChat), or SSE events (Accept: text/event-stream)
export const streamWorkflow = apiRoute(
  {
    method: "POST",
    path: "/api/v1/run/{workflow_id}/stream",
    auth: "streamTokenOrKey",
    needs: "run",
    seed: true,
    cors: true,
    query: streamQuery,
    body: streamBody,
    prefetch: publishedVersionOf,
    endUserRateLimit: ({ params, body }) => ({ workflowId: params.workflow_id, user: body.user }),
    overlapsRateLimit: true,
    direct: true,
    idempotent: {
      run: {
        // A repeat gets the run's output again in the protocol it asks for: live while the run goes on.
        follow: ({ req, principal, query, rawBody, headers, runId }) =>
          resumeRun({ req, principal, runId, query: {}, headers, protocol: chooseProtocol(query.protocol, req, rawBody) }),
        answer: ({ principal, runId }) => answerOfRun(principal, runId),
      },
    },
    doc: {
      operationId: "streamWorkflow",
      tag: "Streaming",
      summary: "Stream a published workflow's output as it is generated",
      description:
        "Browsers authenticate with a single-use stream token (`?token=`, from GET /api/v1/token); servers may use the Bearer key. " +
        "The protocol: `?protocol=`, else SSE for `Accept: text/event-stream`, AI SDK 4's data stream for an AI SDK ≤ 4 useChat body (messages with string `content`, no `trigger`), the AI SDK UI message stream for other bodies with `messages`, else plain text. " +
        "Errors before the run starts (401, 400, 402, 404, 413) are the JSON error bodies. A run whose model fails is an `error` event in SSE " +
        "(`STREAM_ERROR`, or `CAPACITY_ERROR` with `retry_after` when every call was rate-limited or overloaded) and the error part in the UI and data streams; " +
        "plain text answers the 500 with `reason` when no token was sent, and aborts the stream after one. " +
        "A client that disconnects cancels the run unless `?resumable=1` or an Idempotency-Key was sent (a retry with it gets the run's output again, live while it runs). CORS: any origin.",
      pathParams: WORKFLOW_ID,
      headerParams: [
        {
          name: "Accept",
          description: "`text/event-stream` selects SSE (unless ?protocol= says otherwise).",
          example: "text/event-stream",
        },
        IDEMPOTENCY_HEADER,
      ],
      body: {
        description: "The workflow's variables; or seed B's {query, parameters}; or useChat's {id, messages, trigger, messageId}.",
        examples: {
          text: { summary: "Plain text stream", value: STORY },
          sse: { summary: "SSE (seed B), with Accept: text/event-stream", value: { query: STORY.story, parameters: {} } },
          data: {
            summary: "AI SDK 4 useChat (`ai/react`; data stream)",
            value: { id: "chat_1", messages: [{ role: "user", content: STORY.story }] },
          },
          ui: {
            summary: "useChat (UI message stream)",
            value: {
              id: "chat_1",
              trigger: "submit-message",
              messages: [{ id: "m1", role: "user", parts: [{ type: "text", text: STORY.story }] }],
            },
          },
        },
      },
      ok: { description: "The output, in the chosen protocol.", stream: ["text", "sse", "ui", "data"] },
      errors: [...RUN_ERRORS, ...IDEMPOTENCY_ERRORS],
      errorExamples: { invalid_request: "Missing required parameter: story" },
    },
  },
  (a) => streamHandler("stream")(a),
);

// GET /api/v1/runs/:run_id/stream?token=… – resume a resumable run's stream (SSE from Last-Event-ID, UI/text from the start)
export const resumeRunStream = apiRoute(
  {
    method: "GET",
    path: "/api/v1/runs/{run_id}/stream",
    auth: "streamTokenOrKey",
    needs: "run",
    cors: true,
    query: resumeQuery,
    doc: {
      operationId: "resumeRunStream",
      tag: "Streaming",
      summary: "Resume a resumable run's stream",
      description:
        "For runs started with `?resumable=1`: live until the run ends; SSE from the chunk after Last-Event-ID (or resume_from_index), UI and text from the start. " +
        "A finished run no longer kept (or with the event store, Redis, down) is replayed from its stored output; a run still going while Redis is down is a 503 with Retry-After. A stream token sees only the runs of its own key and end user.",
      pathParams: RUN_ID,
      headerParams: [
        { name: "Last-Event-ID", description: "SSE: the last chunk index received.", example: "41" },
        { name: "Accept", description: "`text/event-stream` selects SSE.", example: "text/event-stream" },
      ],
      ok: { description: "The run's stream.", stream: ["text", "sse", "ui", "data"] },
      otherResponses: { 204: "Nothing to resume: the run is still going but was not started resumable." },
      errors: ["invalid_request", ...AUTHED, "run_not_found", "service_unavailable"],
    },
  },
  ({ req, ctx, params, query }) => resumeRun({ req, principal: ctx.principal, runId: params.run_id, query, headers: ctx.headers }),
);

// POST /api/playground/:workflow_id – the dashboard's playground: runs the saved draft for a
// signed-in member (no API key), in any stream protocol, charged to the org as source "playground"
export const playgroundRun = apiRoute(
  {
    method: "POST",
    path: "/api/playground/{workflow_id}",
    auth: "user",
    query: streamQuery,
    body: streamBody,
    prefetch: ({ params, principal }) => loadDraftAsVersion(principal.orgId, params.workflow_id),
  },
  (a) => streamHandler("playground")(a),
);
