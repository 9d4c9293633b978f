import { z } from "zod";
import { RUN_SOURCES, RUN_STATUSES } from "@/db/schema";
import { sessionId } from "@/lib/sessions/schemas";
import { documentAs, queryInteger } from "@/lib/validation/documented-as";
import { inputValue, pinQuery } from "@/lib/workflows/schemas";

// Request and response shapes of the run endpoints. The API document (lib/api/openapi) is generated
// from these very schemas, so what is parsed here is what is documented.

/** A field a client may send that is never refused: a value of the wrong type is ignored, as before. */
const lenient = <S extends z.ZodType>(s: S) => s.optional().catch(undefined);

/**
 * The end user: a string that is not one is ignored, as it always was; a string PostgreSQL cannot
 * store (a NUL) is refused.
 */
const user = documentAs(
  z
    .unknown()
    .transform((v, ctx) => {
      if (typeof v !== "string") return undefined;
      if (v.includes("\u0000")) {
        ctx.addIssue({ code: "custom", message: "must not contain NUL characters" });
        return z.NEVER;
      }
      return v;
    })
    .optional(),
  z.string().optional().meta({ description: "End user the run is attributed to in /usage (first 200 characters kept)." }),
);

/**
 * The body of POST /run/:id: the workflow's variables plus known fields. The variables themselves
 * are checked against the published template's typed variables (lib/workflows/inputs.ts), so the
 * catch-all only documents them: a key that is no variable is ignored, whatever its value.
 */
export const runBody = z.object({ session_id: sessionId.nullish(), user }).catchall(documentAs(z.unknown(), inputValue));

const chatRole = z.enum(["user", "assistant", "system"], { error: "must be user, assistant or system" });

/** A useChat UIMessage (parts) or an AI SDK ≤ 4 message (content); only the text is used. */
const chatMessage = z.preprocess(
  // An array passed the hand-written `typeof m === "object"` check this replaces (then failed on its role): keep that answer.
  (m) => (Array.isArray(m) ? { ...m } : m),
  z.looseObject(
    {
      id: lenient(z.string()),
      role: chatRole,
      parts: lenient(z.array(z.unknown().meta({ description: 'A UI message part; the text of `{type: "text", text}` parts is used.' }))),
      content: lenient(z.string()).meta({ description: "AI SDK ≤ 4 message text." }),
    },
    { error: "must be an object" },
  ),
);

/** An optional integer within [min, max]; anything else is one message naming the range. */
const boundedInt = (min: number, max: number, unit: string) => {
  const error = `must be an integer from ${min} to ${max} (${unit})`;
  return z.int({ error }).min(min, { error }).max(max, { error }).optional();
};

/** The body of POST /run/:id/stream: /run's, plus the SSE protocol's query/parameters (docs/contract.md, "The SSE protocol") and useChat's transport fields. */
export const streamBody = z
  .object({
    session_id: sessionId.nullish(),
    user,
    parameters: z
      .object(
        {
          stream_delay_ms: boundedInt(0, 1000, "milliseconds").meta({
            description: "Seed B: wait this long between two chunks the client receives (0–1000 ms). Not a variable.",
          }),
          chunk_size: boundedInt(1, 1000, "characters").meta({
            description: "Seed B: re-chunk the text the client receives into pieces of this many characters (1–1000). Not a variable.",
          }),
        },
        { error: "must be an object" },
      )
      .catchall(documentAs(z.unknown(), inputValue))
      .optional()
      .meta({
        description:
          "More variables (seed B), and seed B's stream controls; a body field of the same name wins. The controls change only how the client receives the text: not the prompt, the stored output or the charge.",
      }),
    messages: z.array(chatMessage, { error: "must be an array" }).max(500, "may hold at most 500 messages").optional().meta({
      description:
        "useChat's messages: earlier ones are the conversation; the latest user message fills a single missing variable. Selects the UI message stream.",
    }),
    query: lenient(z.string()).meta({ description: "Seed B: fills a single missing variable when there are no messages." }),
    id: lenient(z.string()).meta({ description: "useChat chat id (ignored)." }),
    trigger: lenient(z.string()).meta({ description: "useChat trigger (ignored)." }),
    messageId: lenient(z.string()).meta({ description: "useChat message id (ignored)." }),
  })
  .catchall(documentAs(z.unknown(), inputValue));

export const STREAM_PROTOCOLS = ["text", "ui", "sse", "data"] as const;
const protocol = z.enum(STREAM_PROTOCOLS, { error: "must be one of text, ui, sse, data" }).optional().meta({
  description:
    "Force a response protocol. Default: `sse` with Accept: text/event-stream, `data` (AI SDK 4's data stream) for an AI SDK ≤ 4 body (messages with string `content`, no `trigger`), `ui` for other bodies with messages, else `text`.",
});

/** POST /run/:id/stream?version=&protocol=&resumable= (the token is the security scheme, not a parameter). */
export const streamQuery = pinQuery.extend({
  protocol,
  resumable: z
    .string()
    .optional()
    .transform((v) => v === "1" || v === "true")
    .meta({ description: "`1` or `true`: the run survives a disconnect and can be picked up with GET /api/v1/runs/{run_id}/stream." }),
});

/** POST /run/:id?version=&label=&async= */
export const runQuery = pinQuery.extend({
  async: z
    .string()
    .optional()
    .transform((v) => v === "1" || v === "true")
    .meta({ description: "`true`: answer 202 at once and run from the queue (like `Prefer: respond-async`)." }),
});

/** The 202 of an async run (Prefer: respond-async). */
export const queuedRunResponse = z.object({ success: z.literal(true), run_id: z.string(), status: z.literal("queued") });

/** GET /runs/:id/stream?protocol=&resume_from_index= */
export const resumeQuery = z.object({
  protocol: protocol.meta({ description: "Default: the run's own protocol (SSE with Accept: text/event-stream)." }),
  resume_from_index: lenient(z.string().regex(/^\d+$/).transform(Number)).meta({
    description: "SSE: first chunk index to send (Last-Event-ID wins). Ignored unless digits.",
  }),
});

/** GET /runs */
export const listRunsQuery = z.object({
  workflow_id: z.string().max(100, "must be at most 100 characters").optional(),
  status: z.enum(RUN_STATUSES, { error: `must be one of ${RUN_STATUSES.join(", ")}` }).optional(),
  limit: queryInteger({ min: 1, max: 100, fallback: 20, message: "must be an integer from 1 to 100", description: "Runs per page." }),
  cursor: z.string().max(200, "is not one this API returned").optional().meta({ description: "`next_cursor` of the previous page." }),
});

const usage = z.object({ input_tokens: z.int(), output_tokens: z.int(), total_tokens: z.int() });
const citations = z.array(z.string()).meta({ description: "Web sources, when the model used web search." });

/** POST /run/:id — the seed's body plus run_id, status, usage and credits_charged. */
const pendingToolCalls = z
  .array(z.object({ id: z.string(), name: z.string(), arguments: z.string().meta({ description: "The model's arguments, JSON text." }) }))
  .meta({ description: "The client tool calls to answer with POST /api/v1/runs/{run_id}/tool_outputs." });

export const runResponse = z.object({
  success: z.literal(true),
  run_id: z.string(),
  status: z.enum(["completed", "requires_action"]).meta({
    description:
      "`requires_action`: the model called a client tool (a `function` tool of the workflow); answer `tool_calls` with POST /api/v1/runs/{run_id}/tool_outputs before `expires_at`.",
  }),
  tool_calls: pendingToolCalls.optional(),
  expires_at: z.iso.datetime().optional().meta({ description: "With `requires_action`: the last moment tool outputs are taken." }),
  previous_run_id: z
    .string()
    .optional()
    .meta({ description: "A continuation (POST …/tool_outputs): the run whose tool calls it answered." }),
  result: z.string(),
  output: z.unknown().optional().meta({
    description:
      "Structured output: the answer parsed, present when the workflow declares an output schema (`result` holds its JSON text). An answer that does not match the schema fails the run (500, reason `output_invalid`).",
  }),
  citations,
  usage,
  credits_charged: z.int(),
  stop_reason: z.enum(["stop", "tool_calls", "max_steps", "insufficient_credits"]).optional().meta({
    description:
      "A workflow with tools: why the run stopped (`max_steps`: the step limit came first; `insufficient_credits`: the next step could not be reserved and the run answered with what it had). Absent for a plain run.",
  }),
});
export type RunResponse = z.output<typeof runResponse>;

/** A durable run as GET /runs/:id (and /runs, /cancel) show it. */
export const runRecord = z.object({
  run_id: z.string(),
  workflow_id: z.string(),
  version_id: z.string().nullable(),
  assignment: z
    .object({
      label: z.string(),
      bucket: z.int().meta({ description: "0..9999: the share of traffic this run fell in." }),
      by: z
        .enum(["user", "request"])
        .meta({ description: "`user`: sticky, hashed from the end user; `request`: drawn for this request (no user)." }),
      split: z.string().meta({ description: "The split when the run started, e.g. `v3 90% / v4 10%`." }),
    })
    .nullable()
    .meta({ description: "Why this version ran, when its label splits traffic between versions; null otherwise." }),
  status: z.enum(RUN_STATUSES),
  result: z.string().meta({ description: "The output so far (saved every second while running)." }),
  citations,
  usage,
  credits_charged: z.int(),
  error_code: z.string().nullable(),
  source: z.enum(RUN_SOURCES),
  protocol: z.string().nullable(),
  model: z.string(),
  user: z.string().nullable(),
  session_id: z.string().nullable(),
  created_at: z.iso.datetime(),
  finished_at: z.iso.datetime().nullable(),
  first_token_ms: z.int().nullable(),
  latency_ms: z.int().nullable(),
  finish_reason: z
    .enum(["tool_calls"])
    .nullable()
    .meta({ description: "`tool_calls` when the run ended with client tool calls (`tool_calls`) for the caller to run; null otherwise." }),
  tool_calls: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        arguments: z.string().meta({ description: "JSON text, as the model wrote it." }),
      }),
    )
    .meta({ description: "The client tool calls the run ended with (function tools, the caller's own tools); [] when none." }),
  attempts: z
    .array(
      z.object({
        model: z.string().meta({ description: "The model called, as `<provider>:<model>`." }),
        provider: z.string(),
        status: z.enum(["succeeded", "failed", "skipped"]).meta({ description: "`skipped`: the provider's circuit breaker was open." }),
        error_class: z.string().nullable().meta({
          description:
            "rate_limited, overloaded, server_error, timeout, conflict, first_token_timeout, connection, stream_error, client_error, circuit_open, canceled.",
        }),
        http_status: z.int().nullable(),
        duration_ms: z.int(),
        input_tokens: z.int().meta({ description: "For a failed call: only what the provider reported (and billed)." }),
        output_tokens: z.int(),
      }),
    )
    .meta({ description: "Every model call the run made, in order: retries and fallbacks. Empty for runs that recorded none." }),
  redacted_at: z.iso.datetime().nullable().meta({
    description:
      "When the org's retention setting cleared the run's inputs, result, citations and error text; null while they are kept. Usage, credits, status, timings and model stay.",
  }),
  redaction: z
    .string()
    .nullable()
    .meta({ description: "Why the run's content is empty, e.g. `Inputs and output removed after 30 days (retention)`; null while kept." }),
  steps: z
    .array(
      z.object({
        step: z.int(),
        model: z.string().meta({ description: "The model that answered this step." }),
        input_tokens: z.int(),
        output_tokens: z.int(),
        credits: z.int().meta({ description: "What this step is charged, at its model's price (the run's charge is their sum)." }),
        finish_reason: z.string(),
        tool_calls: z.array(
          z.object({
            id: z.string(),
            name: z.string(),
            type: z.enum(["http", "mcp", "function"]).meta({ description: "`function`: a client tool, answered by the caller." }),
            arguments: z.string().meta({ description: "The model's arguments as JSON text (the first 4,000 characters)." }),
            answer_bytes: z.int().meta({ description: "Size of the answer fed back to the model (at most 100 KB); 0 for a client tool." }),
            latency_ms: z.int(),
            error: z.string().nullable().meta({
              description:
                "Why the call failed (the model got an error result): invalid_arguments, timeout, http_<status>, unreachable, refused, unknown_tool, too_many_calls, tool_error, canceled.",
            }),
          }),
        ),
      }),
    )
    .meta({ description: "A run with tools: each model call (step) with its tokens, credits and tool calls. Empty for a plain run." }),
  required_action: z
    .object({
      type: z.literal("submit_tool_outputs"),
      tool_calls: pendingToolCalls,
      expires_at: z.iso.datetime(),
    })
    .nullable()
    .meta({ description: "While the run waits for its client tool calls' outputs (until `expires_at`): what to answer. Null otherwise." }),
  continued_by: z.string().nullable().meta({ description: "The run that answered this run's tool calls (POST …/tool_outputs)." }),
  stop_reason: z.enum(["stop", "tool_calls", "max_steps", "insufficient_credits", "error"]).nullable().meta({
    description:
      "A run with tools: why it stopped. `tool_calls`: it ended with client tool calls (answer them with POST /runs/{run_id}/tool_outputs); `max_steps`: the step limit came first; `insufficient_credits`: the next step could not be reserved, the run ended with what it had. Null for a plain run.",
  }),
});
export type RunRecord = z.output<typeof runRecord>;

/** POST /runs/:run_id/tool_outputs — the caller's answers to a run's client tool calls. */
export const toolOutputsBody = z
  .object({
    tool_outputs: z
      .array(
        z
          .object({
            tool_call_id: z.string().min(1).max(200),
            output: z
              .string()
              .max(100_000)
              .meta({ description: "The tool's result as text (JSON text is fine), at most 100,000 characters." }),
          })
          .strict(),
      )
      .min(1)
      .max(16),
    stream: z.boolean().optional().meta({
      description: "true: the continuation streams as Server-Sent Events (the `sse` protocol of POST /run/{workflow_id}/stream).",
    }),
  })
  .strict();
export type ToolOutputsBody = z.output<typeof toolOutputsBody>;

export const runRecordResponse = z.object({ success: z.literal(true), ...runRecord.shape });
export const listRunsResponse = z.object({
  success: z.literal(true),
  runs: z.array(runRecord).meta({ description: "Newest first." }),
  next_cursor: z.string().nullable(),
});

/** The SSE protocol's events (`event: <name>`, `data: <json>`); sse.ts writes exactly these. */
export const sseEvents = {
  start: z.object({ message: z.literal("Stream started"), run_id: z.string(), session_id: z.string().optional() }),
  chunk: z.object({ content: z.string(), index: z.int().meta({ description: "Also the SSE `id:` (for Last-Event-ID)." }) }),
  error: z.object({
    error: z.string(),
    code: z.string().meta({ description: "`CAPACITY_ERROR` when every model call was rate-limited or overloaded, else `STREAM_ERROR`." }),
    retry_after: z.int().optional().meta({ description: "With CAPACITY_ERROR: seconds to wait before trying again." }),
    run_id: z.string(),
  }),
  tool_call: z
    .object({
      tool_call_id: z.string(),
      name: z.string(),
      arguments: z.string().meta({ description: "The arguments the model wrote, as JSON text." }),
      executed_by: z.enum(["client", "server"]).meta({
        description:
          "`client`: a function tool — the run ends with this call (status completed, `finish_reason` tool_calls) and your next request sends its result. `server`: an http or mcp tool Flowgate runs; its `tool_result` follows.",
      }),
    })
    .meta({ description: "The model called a tool (issue 31)." }),
  tool_result: z
    .object({
      tool_call_id: z.string(),
      name: z.string(),
      output: z.string().meta({ description: "What the tool answered, as fed back to the model." }),
      is_error: z.boolean(),
    })
    .meta({ description: "A server tool (http, mcp) answered." }),
  done: z.object({
    message: z.string(),
    status: z.enum(RUN_STATUSES),
    run_id: z.string(),
    usage,
    execution_time: z.number().meta({ description: "Seconds." }),
    citations,
    credits_charged: z.int(),
    finish_reason: z
      .string()
      .optional()
      .meta({ description: "`tool_calls` when the run ended with client tool calls (its `tool_call` events); else absent." }),
    output: z
      .unknown()
      .optional()
      .meta({ description: "Structured output: the validated object, when the workflow declares an output schema." }),
  }),
};
