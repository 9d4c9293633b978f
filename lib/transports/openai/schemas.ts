import { z } from "zod";
import { documentAs } from "@/lib/validation/documented-as";
import { inputValue } from "@/lib/workflows/schemas";
import { MAX_TOOLS, TOOL_NAME, toolParameters } from "@/lib/workflows/tools";
import { MAX_TOOL_IO_CHARS } from "@/lib/transports/stream-inputs";

// Request and response shapes of the OpenAI-compatible surface. Bodies are not strict: the SDKs
// send whatever parameters their caller set, and the ones a workflow decides for itself (model
// settings) are accepted and ignored, as OpenAI's Prompts did for a prompt's own settings. Tools the
// caller sends are offered beside the workflow's own (issue 31; lib/llm/model-tools.ts).

const noNul = (s: string) => !s.includes("\u0000");
const endUser = z
  .string()
  .max(512, "must be at most 512 characters")
  .refine(noNul, "must not contain NUL characters")
  .meta({ description: "The end user the run is attributed to in /usage (first 200 characters kept)." });
const metadata = z
  .record(z.string().max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 16, "may hold at most 16 keys")
  .meta({ description: "Echoed back on the response (OpenAI's limits: 16 keys, 512-character values)." });

/** The workflow's variables: as /run takes them, or OpenAI's `input_text` (and, for an image variable, `input_image`) objects. */
const variables = documentAs(
  z.record(z.string(), z.unknown(), { error: "must be an object" }),
  z.record(
    z.string(),
    z.union([
      inputValue,
      z.object({ type: z.literal("input_text"), text: z.string() }),
      z
        .object({ type: z.literal("input_image"), image_url: z.string(), detail: z.string().optional() })
        .meta({ description: "An image variable's value: an https: or data:image URL." }),
    ]),
  ),
);

/** A message's content: a string, or text and image parts (lib/transports/openai/conversation.ts checks them; anything else is a clear 400). */
const contentPart = z.looseObject({ type: z.string(), text: z.string().optional() }, { error: "must be an object with a type" });
const content = z.union([z.string(), z.array(contentPart).max(100, "may hold at most 100 parts")], {
  error: "must be a string or an array of parts",
});

const toolName = z.string().regex(TOOL_NAME, "must match ^[a-zA-Z0-9_-]{1,64}$");
const noParameters = { type: "object", properties: {} };
/** Parallel calls one assistant message may carry. */
const MAX_CALLS_PER_MESSAGE = 64;
const toolsMeta = {
  description: `Function tools, offered to the model beside the workflow's own client tools (at most ${MAX_TOOLS}; a name the workflow's tools use is a 400). Its call ends the turn with \`finish_reason: "tool_calls"\`; send the assistant message and \`role: "tool"\` results back to continue. The workflow's server tools (http, mcp) never appear.`,
};
const toolChoiceMeta = {
  description: '`"auto"` (default), `"none"`, `"required"`, or `{type: "function", function: {name}}` naming an offered tool.',
};

export const chatTool = z.object({
  type: z.literal("function", { error: 'must be "function": only function tools are supported' }),
  function: z.object({
    name: toolName,
    description: z.string().max(4_000).optional(),
    parameters: toolParameters.default(noParameters).meta({ description: "A JSON Schema object (at most 20,000 characters)." }),
    strict: z.boolean().nullish(),
  }),
});

const chatToolCall = z.object({
  id: z.string().min(1).max(200),
  type: z.literal("function").optional(),
  function: z.object({
    name: z.string().max(64),
    arguments: z.string().max(MAX_TOOL_IO_CHARS, `must be at most ${MAX_TOOL_IO_CHARS} characters`),
  }),
});

export const chatCompletionBody = z.object({
  model: z
    .string({ error: "is required: the workflow id (wf_…), optionally @label or @version" })
    .max(200)
    .meta({ description: "`wf_…` (the published version), `wf_…@staging` (a label) or `wf_…@3` (a version).", examples: ["wf_abc123"] }),
  messages: z
    .array(
      z.looseObject(
        {
          role: z.enum(["system", "developer", "user", "assistant", "tool"], {
            error: "must be system, developer, user, assistant or tool",
          }),
          content: content.nullish(),
          tool_calls: z
            .array(chatToolCall)
            .max(MAX_CALLS_PER_MESSAGE, `may hold at most ${MAX_CALLS_PER_MESSAGE} calls`)
            .nullish()
            .meta({ description: "An assistant message's tool calls, as the model made them (sent back with their results)." }),
          tool_call_id: z.string().max(200).optional().meta({ description: "A `tool` message: the call it answers." }),
        },
        { error: "must be an object" },
      ),
      { error: "is required: an array of messages" },
    )
    .max(500, "may hold at most 500 messages")
    .meta({
      description:
        "The conversation. The last user message fills the first variable `variables` leaves out; the turns before it are the history. When no variable is missing, the whole conversation follows the rendered prompt. System and developer messages are ignored: the workflow has its own. User messages may hold `image_url` parts (https: or data:image URLs, passed to the model, never fetched).",
    }),
  variables: variables.optional().meta({ description: "The workflow's variables (the SDKs' `extra_body`)." }),
  stream: z.boolean().nullish(),
  stream_options: z.looseObject({ include_usage: z.boolean().nullish() }).nullish(),
  n: z.literal(1, { error: "must be 1: a workflow run has one answer" }).nullish(),
  tools: z.array(chatTool).max(MAX_TOOLS, `may hold at most ${MAX_TOOLS} tools`).optional().meta(toolsMeta),
  tool_choice: z.unknown().optional().meta(toolChoiceMeta),
  parallel_tool_calls: z.boolean().nullish(),
  user: endUser.optional(),
  safety_identifier: endUser.optional(),
  metadata: metadata.optional(),
});
export type ChatCompletionBody = z.output<typeof chatCompletionBody>;

const inputItem = z.looseObject(
  {
    type: z.string().optional(),
    role: z.string().optional(),
    content: content.optional(),
    call_id: z.string().min(1).max(200).optional().meta({ description: "`function_call` and `function_call_output` items: the call." }),
    name: z.string().max(64).optional(),
    arguments: z.string().max(MAX_TOOL_IO_CHARS, `must be at most ${MAX_TOOL_IO_CHARS} characters`).optional(),
    output: z
      .union([z.string().max(MAX_TOOL_IO_CHARS, `must be at most ${MAX_TOOL_IO_CHARS} characters`), z.array(contentPart).max(100)])
      .optional()
      .meta({ description: "A `function_call_output` item: the tool's result." }),
  },
  { error: "must be an object" },
);

export const responsesTool = z.object({
  type: z.literal("function", { error: 'must be "function": only function tools are supported' }),
  name: toolName,
  description: z.string().max(4_000).nullish(),
  parameters: toolParameters.default(noParameters),
  strict: z.boolean().nullish(),
});

export const responsesBody = z.object({
  prompt: z
    .object(
      {
        id: z
          .string({ error: "is required: the workflow id (wf_…)" })
          .max(200)
          .meta({ examples: ["wf_abc123"] }),
        version: z
          .string()
          .max(40)
          .nullish()
          .meta({ description: 'A version number ("3") or a label ("staging"); default: the published version.' }),
        variables: variables.nullish(),
      },
      { error: "must be an object {id, version?, variables?}" },
    )
    .optional()
    .meta({ description: "The workflow to run, as OpenAI's reusable prompts were referenced." }),
  model: z.string().max(200).optional().meta({
    description: "Ignored when `prompt` is given; otherwise a model name as /chat/completions takes it (`wf_…[@label|@version]`).",
  }),
  input: z
    .union([z.string(), z.array(inputItem).max(500, "may hold at most 500 items")], {
      error: "must be a string or an array of input items",
    })
    .optional()
    .meta({
      description:
        "More user content: fills the first variable the prompt's `variables` leave out, else follows the rendered prompt. Text and `input_image` parts (https: or data:image URLs, passed to the model, never fetched). To continue after tool calls, send the `function_call` items the response had and a `function_call_output` {call_id, output} for each.",
    }),
  tools: z
    .array(responsesTool)
    .max(MAX_TOOLS, `may hold at most ${MAX_TOOLS} tools`)
    .optional()
    .meta({
      description: `Function tools {type: "function", name, description?, parameters}, offered beside the workflow's own client tools (at most ${MAX_TOOLS}; a name the workflow's tools use is a 400). Their calls come back as \`function_call\` output items. The workflow's server tools (http, mcp) never appear.`,
    }),
  tool_choice: z.unknown().optional().meta({
    description: '`"auto"` (default), `"none"`, `"required"`, or `{type: "function", name}` naming an offered tool.',
  }),
  parallel_tool_calls: z.boolean().nullish(),
  stream: z.boolean().nullish(),
  text: z
    .looseObject(
      {
        format: z.looseObject({ type: z.string().max(40) }, { error: "must be an object with a type" }).optional(),
      },
      { error: "must be an object" },
    )
    .nullish()
    .meta({
      description:
        "`format`: `text`, or for a workflow with an output schema `json_object` or `json_schema` with that very schema (anything else is a 400 naming the difference). The workflow's JSON is the output text either way.",
    }),
  user: endUser.optional(),
  safety_identifier: endUser.optional(),
  metadata: metadata.optional(),
});
export type ResponsesBody = z.output<typeof responsesBody>;

const usage = z.object({ prompt_tokens: z.number().int(), completion_tokens: z.number().int(), total_tokens: z.number().int() });

export const chatCompletionResponse = z.object({
  id: z.string().meta({ description: "The run's id (run_…)." }),
  object: z.literal("chat.completion"),
  created: z.number().int(),
  model: z.string(),
  choices: z.array(
    z.object({
      index: z.number().int(),
      message: z.object({
        role: z.literal("assistant"),
        content: z.string().nullable(),
        refusal: z.null(),
        annotations: z.array(z.unknown()),
        tool_calls: z
          .array(z.object({ id: z.string(), type: z.literal("function"), function: z.object({ name: z.string(), arguments: z.string() }) }))
          .optional(),
      }),
      logprobs: z.null(),
      finish_reason: z.enum(["stop", "length", "content_filter", "tool_calls"]),
    }),
  ),
  usage,
  system_fingerprint: z.null(),
});

export const responseObject = z.looseObject({
  id: z.string().meta({ description: "The run's id (run_…)." }),
  object: z.literal("response"),
  created_at: z.number().int(),
  status: z.enum(["completed", "incomplete", "failed", "in_progress"]),
  model: z.string(),
  output: z.array(z.unknown()),
  usage: z
    .object({ input_tokens: z.number().int(), output_tokens: z.number().int(), total_tokens: z.number().int() })
    .passthrough()
    .nullable(),
});

export const modelsResponse = z.object({
  object: z.literal("list"),
  data: z.array(
    z.object({
      id: z.string().meta({ description: "The workflow id: the `model` to send." }),
      object: z.literal("model"),
      created: z.number().int().meta({ description: "When its published version was published (epoch seconds)." }),
      owned_by: z.string(),
      name: z.string(),
      version: z.number().int().meta({ description: "The published version." }),
    }),
  ),
});
