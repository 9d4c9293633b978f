import type { Principal } from "@/lib/auth/principal";
import { clientToolCalls, completeRun, type RunRequest } from "@/lib/runs/open-run";
import { runFailedError } from "@/lib/transports/run-failure";
import { controlledByteStream, type RunEnd, type SinkOptions, type StreamSink } from "@/lib/transports/protocols/types";
import { respondStream } from "@/lib/transports/respond-stream";
import type { ServerTiming } from "@/lib/server-timing";
import { callerTools, chatTurnOf, shapeConversation } from "./conversation";
import type { ChatCompletionBody, chatCompletionResponse } from "./schemas";
import { versionOfModel } from "./workflow-ref";
import type { z } from "zod";

type Call = {
  req: Request;
  principal: Principal;
  body: ChatCompletionBody;
  rawBody: Record<string, unknown>;
  headers: Headers;
  timing: ServerTiming;
  /** The rate limit's verdict, when the request went on before it (lib/api/route.ts, `overlapsRateLimit`). */
  admitted?: Promise<void>;
};

/**
 * POST /api/v1/openai/chat/completions — a published workflow as a chat model: `model` names it,
 * `variables` fill its template, `messages` are the conversation. Runs through the one run
 * pipeline (source `openai`), answering a chat.completion or, with `stream`, its chunks.
 */
export async function chatCompletion({
  req,
  principal,
  body,
  rawBody,
  headers,
  timing,
  admitted,
}: Call): Promise<Response | z.input<typeof chatCompletionResponse>> {
  const version = await versionOfModel(principal, body.model);
  const turns = body.messages.map((m, i) => chatTurnOf(m, i));
  const tools = callerTools(
    body.tools?.map((t) => t.function),
    body.tool_choice,
    body.parallel_tool_calls,
  );
  const run: Omit<RunRequest, "protocol"> = {
    principal,
    version,
    source: "openai",
    timing,
    admitted,
    fields: { user: body.user ?? body.safety_identifier },
    // The raw object (the schema checked it is one): its keys exactly as sent.
    shape: shapeConversation((rawBody.variables ?? {}) as Record<string, unknown>, turns, "variables", version, tools),
  };
  const model = body.model;
  if (body.stream) {
    const includeUsage = body.stream_options?.include_usage === true;
    return respondStream(run, {
      req,
      resumable: false,
      headers,
      protocol: { name: "chat.completions", sink: (o) => chatCompletionSink(o, { model, includeUsage }) },
    });
  }
  const { run: started, result, done, toolExecutors } = await completeRun({ ...run, protocol: "chat.completions" }, req.signal);
  if (result.error) throw runFailedError(started.id, result);
  // The workflow's server tools (http, mcp) ran inside the run: the caller sees only its own calls.
  const calls = clientToolCalls(result.toolCalls, toolExecutors);
  return {
    id: started.id,
    object: "chat.completion",
    created: epoch(),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          content: calls.length && !result.text ? null : result.text,
          refusal: null,
          annotations: urlCitations(result.citations, result.text),
          ...(calls.length
            ? {
                tool_calls: calls.map((c) => ({
                  id: c.toolCallId,
                  type: "function" as const,
                  function: { name: c.toolName, arguments: c.input },
                })),
              }
            : {}),
        },
        logprobs: null,
        finish_reason: calls.length ? "tool_calls" : finishReasonOf(result.finishReason),
      },
    ],
    usage: { prompt_tokens: done.inputTokens, completion_tokens: done.outputTokens, total_tokens: done.totalTokens },
    system_fingerprint: null,
  };
}

export const epoch = () => Math.floor(Date.now() / 1000);

export function finishReasonOf(unified: string | undefined): "stop" | "length" | "content_filter" {
  return unified === "length" ? "length" : unified === "content-filter" ? "content_filter" : "stop";
}

/** Our citations are whole-answer sources: each annotation spans the text. */
function urlCitations(urls: string[], text: string) {
  return urls.map((url) => ({ type: "url_citation", url_citation: { url, title: url, start_index: 0, end_index: text.length } }));
}

/**
 * The chat.completion.chunk stream: a role chunk (with the first delta), a chunk per delta or tool call piece, a chunk with the finish
 * reason, with `stream_options.include_usage` a last chunk of usage and no choices, then
 * `data: [DONE]`. A run that fails after the first token ends with `data: {"error": {…}}` and no
 * [DONE]: the SDKs raise it as an APIError.
 */
export function chatCompletionSink(
  { onCancel }: SinkOptions,
  { model, includeUsage }: { model: string; includeUsage: boolean },
): StreamSink {
  const body = controlledByteStream(onCancel);
  const created = epoch();
  let id = "";
  const send = (data: unknown) => body.write(`data: ${JSON.stringify(data)}\n\n`);
  const chunk = (choices: unknown[], usage: unknown = null) => ({
    id,
    object: "chat.completion.chunk",
    created,
    model,
    system_fingerprint: null,
    choices,
    ...(includeUsage ? { usage } : {}),
  });
  const choice = (delta: object, finish: string | null = null) => ({ index: 0, delta, logprobs: null, finish_reason: finish });
  // Tool calls as OpenAI streams them: each opens with its index, id and name (arguments ""), then
  // its arguments in pieces by index. Server tools (http, mcp) are the run's business: not sent.
  const calls = new Map<string, number>();
  // The role goes with the first delta: `content: ""` before text, `content: null` with a first tool call (as OpenAI sends them).
  let roleSent = false;
  const open = (toolCallId: string, toolName: string) => {
    const index = calls.size;
    calls.set(toolCallId, index);
    const head = { tool_calls: [{ index, id: toolCallId, type: "function", function: { name: toolName, arguments: "" } }] };
    send(chunk([choice(roleSent ? head : { role: "assistant", content: null, ...head })]));
    roleSent = true;
    return index;
  };
  return {
    failureInStream: false,
    start(runId) {
      id = runId;
    },
    text(delta) {
      if (!roleSent) {
        roleSent = true;
        send(chunk([choice({ role: "assistant", content: "" })]));
      }
      send(chunk([choice({ content: delta })]));
    },
    source() {},
    toolInputStart(e) {
      if (!e.server) open(e.toolCallId, e.toolName);
    },
    toolInputDelta(id, delta) {
      const index = calls.get(id);
      if (index !== undefined && delta) send(chunk([choice({ tool_calls: [{ index, function: { arguments: delta } }] })]));
    },
    toolCall(c) {
      // A provider that sends a call whole (no input deltas): streamed as one piece.
      if (c.server || calls.has(c.toolCallId)) return;
      const index = open(c.toolCallId, c.toolName);
      send(chunk([choice({ tool_calls: [{ index, function: { arguments: c.input } }] })]));
    },
    toolResult() {},
    end(end: RunEnd) {
      if (end.status !== "completed") {
        send({
          error: {
            message: "Failed to run workflow",
            type: "server_error",
            param: null,
            code: end.error?.code ?? end.status,
            run_id: end.runId,
          },
        });
        return body.close();
      }
      if (!roleSent) send(chunk([choice({ role: "assistant", content: "" })]));
      send(chunk([choice({}, end.toolCalls?.length ? "tool_calls" : finishReasonOf(end.finishReason))]));
      if (includeUsage) {
        send(
          chunk([], {
            prompt_tokens: end.usage.input_tokens,
            completion_tokens: end.usage.output_tokens,
            total_tokens: end.usage.total_tokens,
          }),
        );
      }
      body.write("data: [DONE]\n\n");
      body.close();
    },
    response(headers) {
      headers.set("content-type", "text/event-stream; charset=utf-8");
      headers.set("connection", "keep-alive");
      return new Response(body.stream, { status: 200, headers });
    },
  };
}
