import { chatCompletion } from "@/lib/transports/openai/chat-completions";
import { listModels } from "@/lib/transports/openai/list-models";
import { createResponse } from "@/lib/transports/openai/responses";
import { chatCompletionBody, chatCompletionResponse, modelsResponse, responseObject, responsesBody } from "@/lib/transports/openai/schemas";
import { apiRoute } from "../route";
import { AUTHED, RUN_ERRORS } from "../route-doc";

// The OpenAI-compatible surface: base URL <origin>/api/v1/openai, an sk_… key (or a single-use
// pub_tok_… stream token) as the SDK's apiKey. Same pipeline, scopes, limits and credits as the
// native API; errors in OpenAI's envelope so the SDKs raise their typed errors.

const VARIABLES = { story: "a story about a dog named charlie" };

// POST /api/v1/openai/chat/completions – a published workflow as a chat model (model: wf_…[@label|@version])
export const openaiChatCompletions = apiRoute(
  {
    method: "POST",
    path: "/api/v1/openai/chat/completions",
    auth: "streamTokenOrKey",
    needs: "run",
    cors: true,
    errors: "openai",
    body: chatCompletionBody,
    endUserRateLimit: ({ body }) => ({ workflowId: workflowOfModel(body.model), user: body.user ?? body.safety_identifier }),
    overlapsRateLimit: true,
    response: chatCompletionResponse,
    doc: {
      operationId: "openaiCreateChatCompletion",
      tag: "OpenAI compatible",
      summary: "Run a published workflow as an OpenAI chat completion (the official SDKs with base URL /api/v1/openai)",
      description:
        "`model` names the workflow (`wf_…`, `wf_…@staging`, `wf_…@3`); `variables` (the SDKs' extra_body) fill its template; " +
        "the last user message fills the first variable left out. `stream: true` answers chat.completion.chunk events (with " +
        "`stream_options.include_usage`, a last usage chunk) ending in `data: [DONE]`. Other OpenAI parameters are accepted and ignored: the workflow sets its own model and settings. " +
        "Errors are OpenAI's `{error: {message, type, param, code}}`; no credits is 429 `insufficient_quota`.",
      body: {
        description: "OpenAI's chat completion body, plus `variables`.",
        examples: {
          variables: { summary: "Template variables", value: { model: "wf_abc123", messages: [], variables: VARIABLES } },
          chat: {
            summary: "A one-variable workflow as a chat model, streamed",
            value: {
              model: "wf_abc123@staging",
              messages: [{ role: "user", content: VARIABLES.story }],
              stream: true,
              stream_options: { include_usage: true },
            },
          },
        },
      },
      ok: { description: "A chat.completion (the run's id as `id`), or with `stream: true` its chunks.", stream: ["openai"] },
      errors: RUN_ERRORS,
      errorExamples: {
        invalid_request: "Missing required parameter: story",
        workflow_not_found: "The model `wf_abc123` does not exist or you do not have access to it.",
      },
    },
  },
  ({ req, ctx, body, rawBody }) =>
    chatCompletion({ req, principal: ctx.principal, body, rawBody, headers: ctx.headers, timing: ctx.timing, admitted: ctx.admitted }),
);

// POST /api/v1/openai/responses – a published workflow as an OpenAI prompt (prompt: {id, version, variables})
export const openaiResponses = apiRoute(
  {
    method: "POST",
    path: "/api/v1/openai/responses",
    auth: "streamTokenOrKey",
    needs: "run",
    cors: true,
    errors: "openai",
    body: responsesBody,
    endUserRateLimit: ({ body }) => ({
      workflowId: workflowOfModel((body.prompt as { id?: unknown } | undefined)?.id ?? body.model),
      user: body.user ?? body.safety_identifier,
    }),
    response: responseObject,
    doc: {
      operationId: "openaiCreateResponse",
      tag: "OpenAI compatible",
      summary: "Run a published workflow as an OpenAI Responses call with a prompt {id, version, variables}",
      description:
        "Where OpenAI's reusable prompts were referenced, the workflow is: `prompt.id` is its id, `prompt.version` a version number or a label. " +
        "`input` text fills the first variable left out, else follows the rendered prompt. `stream: true` answers the Responses event stream " +
        "(response.created … response.output_text.delta … response.completed; response.failed when the run fails). `user` / `safety_identifier` attribute the run to an end user.",
      body: {
        description: "OpenAI's Responses body with `prompt`.",
        examples: {
          prompt: { summary: "A prompt with variables", value: { prompt: { id: "wf_abc123", version: "3", variables: VARIABLES } } },
          stream: {
            summary: "Streamed, with extra input",
            value: { prompt: { id: "wf_abc123", variables: {} }, input: VARIABLES.story, stream: true },
          },
        },
      },
      ok: { description: "A Responses object (the run's id as `id`), or with `stream: true` its events.", stream: ["openai"] },
      errors: RUN_ERRORS,
      errorExamples: {
        invalid_request: "Missing required parameter: story",
        workflow_not_found: "The model `wf_abc123` does not exist or you do not have access to it.",
      },
    },
  },
  ({ req, ctx, body, rawBody }) =>
    createResponse({ req, principal: ctx.principal, body, rawBody, headers: ctx.headers, timing: ctx.timing }),
);

// GET /api/v1/openai/models – the published workflows this key may run, as model objects
export const openaiModels = apiRoute(
  {
    method: "GET",
    path: "/api/v1/openai/models",
    auth: "apiKey",
    needs: "run",
    errors: "openai",
    response: modelsResponse,
    doc: {
      operationId: "openaiListModels",
      tag: "OpenAI compatible",
      summary: "The published workflows this key may run, as OpenAI model objects",
      ok: { description: "One model per published workflow the key may run (its workflow restriction)." },
      errors: AUTHED,
    },
  },
  ({ ctx }) => listModels(ctx.principal),
);

/** The workflow a `model` (`wf_…[@label|@version]`) or a prompt id names, for the per-end-user rate limits. */
function workflowOfModel(model: unknown): string {
  return typeof model === "string" ? (model.split("@")[0] ?? "") : "";
}
