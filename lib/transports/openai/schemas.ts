import { z } from "zod";
import { documentAs } from "@/lib/validation/documented-as";
import { inputValue } from "@/lib/workflows/schemas";

// Request and response shapes of the OpenAI-compatible surface. Bodies are not strict: the SDKs
// send whatever parameters their caller set, and the ones a workflow decides for itself (model
// settings, tools) are accepted and ignored, as OpenAI's Prompts did for a prompt's own settings.

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
  },
  { error: "must be an object" },
);

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
        "More user content: fills the first variable the prompt's `variables` leave out, else follows the rendered prompt. Text and `input_image` parts (https: or data:image URLs, passed to the model, never fetched).",
    }),
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
      message: z.object({ role: z.literal("assistant"), content: z.string(), refusal: z.null(), annotations: z.array(z.unknown()) }),
      logprobs: z.null(),
      finish_reason: z.enum(["stop", "length", "content_filter"]),
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
