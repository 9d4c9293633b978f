import { AppError, UNEXPECTED_ERROR_MESSAGE, type ErrorCode } from "@/lib/errors";
import { sseEvents } from "@/lib/runs/schemas";
import { codesByStatus, errorBody, openaiErrorBody } from "./errors";
import { toJsonSchema, type JsonSchema } from "./json-schema";
import type { z } from "zod";
import type { ApiRoute } from "../route";
import type { RouteDoc, StreamMedia } from "../route-doc";
import { ENVELOPES, type EnvelopeName } from "../respond";

/** One operation as the document needs it: the route's spec and its documentation, side by side. */
type ApiOperation = RouteDoc & {
  method: "get" | "post" | "patch" | "delete";
  path: string;
  auth: ApiRoute["spec"]["auth"];
  envelope: EnvelopeName;
  /** The key scopes of which the caller must hold one (empty: no key). */
  scopes: readonly string[];
  /** A seed's endpoint: an unexpected error is the seed's 500 (docs/contract.md). */
  seed: boolean;
  query?: z.ZodObject;
  bodySchema?: z.ZodType;
  json?: z.ZodType;
};

function operationOf({ spec }: ApiRoute): ApiOperation {
  return {
    ...spec.doc!,
    method: spec.method.toLowerCase() as ApiOperation["method"],
    path: spec.path,
    auth: spec.auth,
    envelope: spec.errors ?? "native",
    seed: spec.seed ?? false,
    scopes: typeof spec.needs === "string" ? [spec.needs] : (spec.needs ?? []),
    query: spec.query as z.ZodObject | undefined,
    bodySchema: spec.body as z.ZodType | undefined,
    json: spec.response as z.ZodType | undefined,
  };
}

export type OpenApiDocument = {
  openapi: "3.1.0";
  info: Record<string, unknown>;
  servers: Array<{ url: string; description?: string }>;
  tags: Array<{ name: string }>;
  security: Array<Record<string, string[]>>;
  paths: Record<string, Record<string, OpenApiOperation>>;
  components: { schemas: Record<string, JsonSchema>; securitySchemes: Record<string, JsonSchema>; headers: Record<string, JsonSchema> };
};
export type OpenApiOperation = {
  operationId: string;
  summary: string;
  description?: string;
  tags: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{
    name: string;
    in: "path" | "query" | "header";
    required: boolean;
    description?: string;
    schema: JsonSchema;
    example?: unknown;
  }>;
  requestBody?: {
    required: boolean;
    description: string;
    content: Record<string, { schema: JsonSchema; examples: Record<string, { summary: string; value: unknown }> }>;
  };
  responses: Record<string, { description: string; headers?: Record<string, JsonSchema>; content?: Record<string, JsonSchema> }>;
};

const STATUS_TEXT: Record<number, string> = {
  400: "Bad request",
  401: "Unauthorized",
  402: "No credits",
  403: "Forbidden",
  404: "Not found",
  409: "Conflict",
  413: "Payload too large",
  429: "Rate limited",
  500: "Internal error",
  503: "Service unavailable",
};

const ref = (kind: "schemas" | "headers", name: string) => ({ $ref: `#/components/${kind}/${name}` });
const pascal = (s: string) => s[0]!.toUpperCase() + s.slice(1);

const HEADERS: Record<string, JsonSchema> = {
  "X-Request-Id": {
    description: "The request's id (also `request_id` in error bodies).",
    schema: { type: "string", example: "req_0123456789abcdefghij" },
  },
  "X-RateLimit-Limit": { description: "Requests allowed per minute for this key.", schema: { type: "integer" } },
  "X-RateLimit-Remaining": { description: "Requests left in the current window.", schema: { type: "integer" } },
  "X-RateLimit-Reset": { description: "When the window resets, in epoch seconds.", schema: { type: "integer" } },
  "Retry-After": { description: "Seconds to wait before retrying.", schema: { type: "integer", minimum: 1 } },
  "X-Run-Id": {
    description: "The run's id, on every stream response (and on errors once the run was recorded).",
    schema: { type: "string" },
  },
  "X-Vercel-AI-UI-Message-Stream": {
    description: "`v1` when the body is the AI SDK UI message stream.",
    schema: { type: "string", const: "v1" },
  },
  "X-Vercel-AI-Data-Stream": { description: "`v1` when the body is AI SDK 4's data stream.", schema: { type: "string", const: "v1" } },
};

const SECURITY_SCHEMES: Record<string, JsonSchema> = {
  bearerAuth: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "sk_…",
    description:
      "An API key, `Authorization: Bearer sk_…`. Never put it in a browser or a URL. An operation names the key scope it needs (`run`, `admin`): " +
      "a key without it gets 403 `forbidden`.",
  },
  streamToken: {
    type: "apiKey",
    in: "query",
    name: "token",
    description:
      "A single-use stream token (`pub_tok_…`) from GET /api/v1/token: consumed by the first request that presents it. When a request carries both, the token is used.",
  },
};

/** The stream endpoints' media types. SSE and the UI message stream share text/event-stream. */
function streamContent(media: StreamMedia[]): Record<string, JsonSchema> {
  const content: Record<string, JsonSchema> = {};
  if (media.includes("openai")) {
    content["text/event-stream"] = {
      schema: {
        type: "string",
        description:
          "With `stream: true`, OpenAI's server-sent events as the official SDKs parse them. /chat/completions: `data: {chat.completion.chunk}` " +
          "(a role chunk, one per text delta, one with `finish_reason`, with `stream_options.include_usage` a usage chunk with no choices), then `data: [DONE]`; " +
          'a run that fails after the first token ends with `data: {"error": {…}}`. /responses: `event:`-named Responses events with `sequence_number` from 0: ' +
          "response.created, response.in_progress, response.output_item.added, response.content_part.added, response.output_text.delta…, " +
          "response.output_text.done, response.content_part.done, response.output_item.done, response.completed (response.incomplete when cut by the output limit, response.failed when the run fails).",
      },
      example:
        'data: {"id":"run_…","object":"chat.completion.chunk","created":1767225600,"model":"wf_abc123","system_fingerprint":null,"choices":[{"index":0,"delta":{"content":"Once "},"logprobs":null,"finish_reason":null}]}\n\ndata: [DONE]\n\n',
    };
  }
  if (media.includes("text") || media.includes("data")) {
    content["text/plain; charset=utf-8"] = {
      schema: {
        type: "string",
        description:
          "Plain text: each text delta as it arrives, nothing else. A failed or cut stream is aborted, never ended cleanly. " +
          "AI SDK 4's data stream (`?protocol=data`, or a body from an AI SDK ≤ 4 useChat: messages with string `content`, no `trigger`; header x-vercel-ai-data-stream: v1): " +
          "`f:` {messageId: the run id}, `0:` text, `h:` sources, `8:` annotations (run id; then status, usage, credits), `e:`/`d:` finish with usage, `3:` the error of a failed run.",
      },
      examples: {
        text: { summary: "Plain text", value: "Once upon a time, there was a friendly dog named Charlie..." },
        data: {
          summary: "AI SDK 4 data stream",
          value:
            'f:{"messageId":"run_…"}\n8:[{"run_id":"run_…"}]\n0:"Once "\n0:"upon a time"\ne:{"finishReason":"stop","usage":{"promptTokens":8,"completionTokens":4},"isContinued":false}\n' +
            '8:[{"run_id":"run_…","status":"completed","usage":{"input_tokens":8,"output_tokens":4,"total_tokens":12},"credits_charged":12,"citations":[]}]\nd:{"finishReason":"stop","usage":{"promptTokens":8,"completionTokens":4}}\n',
        },
      },
    };
  }
  if (media.includes("sse") || media.includes("ui")) {
    content["text/event-stream"] = {
      schema: {
        type: "string",
        description:
          "SSE (`?protocol=sse` or Accept: text/event-stream): events `start`, `chunk` (with `id:` = index), `error`, `done` " +
          "(their data in `x-sse-events`), and a `: keep-alive` comment every 15 s. " +
          "The AI SDK UI message stream (`?protocol=ui` or a body with `messages`; header x-vercel-ai-ui-message-stream: v1): " +
          "text, `source-url` parts, run id / usage / credits in message metadata; read it with useChat's DefaultChatTransport.",
      },
      "x-sse-events": Object.fromEntries(Object.keys(sseEvents).map((e) => [e, ref("schemas", `Sse${pascal(e)}Event`)])),
      examples: {
        sse: {
          summary: "SSE",
          value:
            'event: start\ndata: {"message":"Stream started","run_id":"run_…"}\n\nid: 0\nevent: chunk\ndata: {"content":"Once ","index":0}\n\n' +
            'event: done\ndata: {"message":"Stream complete","status":"completed","run_id":"run_…","usage":{"input_tokens":8,"output_tokens":8,"total_tokens":16},"execution_time":0.4,"citations":[],"credits_charged":16}\n\n',
        },
        ui: {
          summary: "AI SDK UI message stream",
          value:
            'data: {"type":"start","messageMetadata":{"run_id":"run_…"}}\n\ndata: {"type":"text-delta","id":"text-0","delta":"Once "}\n\ndata: {"type":"finish","finishReason":"stop","messageMetadata":{…}}\n\ndata: [DONE]\n\n',
        },
      },
    };
  }
  return content;
}

function parameters(op: ApiOperation): NonNullable<OpenApiOperation["parameters"]> {
  const out: NonNullable<OpenApiOperation["parameters"]> = [];
  for (const [name, p] of Object.entries(op.pathParams ?? {})) {
    out.push({ name, in: "path", required: true, description: p.description, schema: { type: "string" }, example: p.example });
  }
  if (op.query) {
    const q = toJsonSchema(op.query, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      const { description, ...rest } = schema as { description?: string };
      out.push({ name, in: "query", required: q.required?.includes(name) ?? false, ...(description ? { description } : {}), schema: rest });
    }
  }
  for (const h of op.headerParams ?? []) {
    out.push({
      name: h.name,
      in: "header",
      required: false,
      description: h.description,
      schema: { type: "string" },
      ...(h.example ? { example: h.example } : {}),
    });
  }
  return out;
}

/** An example message where the code's own one is not what the client sees. */
function defaultExample(code: ErrorCode, op: ApiOperation): string | undefined {
  if (code === "internal_server_error" && !op.seed) return UNEXPECTED_ERROR_MESSAGE;
  // The operator's reason follows the prefix (lib/operator, README "Operators").
  if (code === "org_suspended") return "Organization suspended: unpaid invoices since 2026-10-01";
  return undefined;
}

function errorResponses(op: ApiOperation): OpenApiOperation["responses"] {
  const out: OpenApiOperation["responses"] = {};
  const render = (code: ErrorCode, message?: string) =>
    ENVELOPES[op.envelope](new AppError(code, message), "req_0123456789abcdefghij", new Headers());
  for (const [status, codes] of codesByStatus(op.errors, (code) => render(code).status)) {
    const headers: Record<string, JsonSchema> = { "X-Request-Id": ref("headers", "X-Request-Id") };
    if (status === 429) {
      for (const h of ["Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]) headers[h] = ref("headers", h);
    }
    const example = (code: ErrorCode) => ({
      summary: code,
      value: render(code, op.errorExamples?.[code] ?? defaultExample(code, op)).body,
    });
    const schema =
      op.envelope === "openai"
        ? ref("schemas", "OpenAIErrorBody")
        : { allOf: [ref("schemas", "ErrorBody"), { type: "object", properties: { code: { type: "string", enum: codes } } }] };
    out[status] = {
      description: `${STATUS_TEXT[status] ?? "Error"}: ${codes.map((c) => `\`${c}\``).join(", ")}`,
      headers,
      content: { "application/json": { schema, examples: Object.fromEntries(codes.map((c) => [c, example(c)])) } },
    };
  }
  return out;
}

function operation(op: ApiOperation, schemas: Record<string, JsonSchema>): OpenApiOperation {
  const name = pascal(op.operationId);
  const okHeaders: Record<string, JsonSchema> = { "X-Request-Id": ref("headers", "X-Request-Id") };
  if (op.auth !== "none")
    for (const h of ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"]) okHeaders[h] = ref("headers", h);
  if (op.ok.stream) {
    okHeaders["X-Run-Id"] = ref("headers", "X-Run-Id");
    if (op.ok.stream.includes("ui")) okHeaders["X-Vercel-AI-UI-Message-Stream"] = ref("headers", "X-Vercel-AI-UI-Message-Stream");
    if (op.ok.stream.includes("data")) okHeaders["X-Vercel-AI-Data-Stream"] = ref("headers", "X-Vercel-AI-Data-Stream");
  }
  if (op.ok.cache) okHeaders["Cache-Control"] = { description: "Cacheable.", schema: { type: "string", const: op.ok.cache } };
  let okContent: Record<string, JsonSchema>;
  if (op.json) {
    schemas[`${name}Response`] = toJsonSchema(op.json, "output");
    okContent = { "application/json": { schema: ref("schemas", `${name}Response`) } };
  } else if (op.ok.stream) okContent = streamContent(op.ok.stream);
  else okContent = { "application/json": { schema: { type: "object", description: "An OpenAPI 3.1 document." } } };

  const out: OpenApiOperation = {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    // Each requirement names the key scope it needs (OpenAPI 3.1: role names for a non-OAuth scheme); any one will do.
    security:
      op.auth === "none"
        ? []
        : [...(op.auth === "streamTokenOrKey" ? [{ streamToken: [] }] : []), ...op.scopes.map((s) => ({ bearerAuth: [s] }))],
    responses: { 200: { description: op.ok.description, headers: okHeaders, content: okContent } },
  };
  const params = parameters(op);
  if (params.length) out.parameters = params;
  if (op.body && op.bodySchema) {
    schemas[`${name}Body`] = toJsonSchema(op.bodySchema, "input");
    out.requestBody = {
      required: false, // an empty body is {} (a workflow without variables needs none)
      description: op.body.description,
      content: { "application/json": { schema: ref("schemas", `${name}Body`), examples: op.body.examples } },
    };
  }
  for (const [status, description] of Object.entries(op.otherResponses ?? {})) {
    out.responses[status] =
      Number(status) === 503 && op.json
        ? { description, content: { "application/json": { schema: ref("schemas", `${name}Response`) } } }
        : { description, headers: { "X-Request-Id": ref("headers", "X-Request-Id") } };
  }
  Object.assign(out.responses, errorResponses(op));
  return out;
}

const built = new WeakMap<readonly ApiRoute[], OpenApiDocument>();

/**
 * The OpenAPI 3.1 document of these routes, generated from the routes themselves (their specs and
 * zod schemas): a function of the list alone, so the list (lib/api/endpoints) can include the route
 * that serves the document without the two importing each other. Built once per list.
 */
export function buildOpenApiDocument(routes: readonly ApiRoute[]): OpenApiDocument {
  const cached = built.get(routes);
  if (cached) return cached;
  const schemas: Record<string, JsonSchema> = {
    ErrorBody: toJsonSchema(errorBody, "output"),
    OpenAIErrorBody: toJsonSchema(openaiErrorBody, "output"),
  };
  for (const [event, schema] of Object.entries(sseEvents)) schemas[`Sse${pascal(event)}Event`] = toJsonSchema(schema, "output");
  const paths: OpenApiDocument["paths"] = {};
  const ops = routes.filter((r) => r.spec.doc).map(operationOf);
  for (const op of ops) (paths[op.path] ??= {})[op.method] = operation(op, schemas);
  const doc: OpenApiDocument = {
    openapi: "3.1.0",
    info: {
      title: "Flowgate API",
      version: "1.0.0",
      description:
        "Run published LLM prompt templates (workflows) over REST, or stream them to browsers with single-use tokens. " +
        "Every response has x-request-id; once the key is known also the x-ratelimit-* headers. Error bodies are " +
        "`{error, success: false, code, request_id}` (fields may be added, never changed).",
    },
    servers: [{ url: "/", description: "This Flowgate instance" }],
    tags: [...new Set(ops.map((o) => o.tag))].map((name) => ({ name })),
    security: [{ bearerAuth: [] }],
    paths,
    components: { schemas, securitySchemes: SECURITY_SCHEMES, headers: HEADERS },
  };
  built.set(routes, doc);
  return doc;
}
