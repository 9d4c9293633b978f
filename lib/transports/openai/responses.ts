import type { Principal } from "@/lib/auth/principal";
import { AppError } from "@/lib/errors";
import { completeRun, type RunRequest } from "@/lib/runs/open-run";
import { runFailedError } from "@/lib/transports/run-failure";
import { controlledByteStream, type RunEnd, type SinkOptions, type StreamSink } from "@/lib/transports/protocols/types";
import { respondStream } from "@/lib/transports/respond-stream";
import type { ServerTiming } from "@/lib/server-timing";
import { epoch } from "./chat-completions";
import { shapeConversation, turnOf, type Turn } from "./conversation";
import type { ResponsesBody } from "./schemas";
import { checkTextFormat, type TextFormat } from "./text-format";
import { versionOf, versionOfModel } from "./workflow-ref";

type Call = {
  req: Request;
  principal: Principal;
  body: ResponsesBody;
  rawBody: Record<string, unknown>;
  headers: Headers;
  timing: ServerTiming;
};

/** What every Responses object of one call repeats. */
type Head = {
  id: string;
  createdAt: number;
  model: string;
  prompt: ResponsesBody["prompt"] | null;
  metadata: Record<string, string>;
  user: string | null;
  format: TextFormat;
};

/**
 * POST /api/v1/openai/responses — a published workflow where OpenAI's reusable prompt was:
 * `prompt.id` names it, `prompt.version` pins a version or a label, `prompt.variables` fill it,
 * `input` adds user content. Answers a Responses object, or with `stream` the Responses events.
 */
export async function createResponse({ req, principal, body, rawBody, headers, timing }: Call) {
  const { prompt } = body;
  let version;
  if (prompt)
    version = await versionOf(
      principal,
      prompt.id,
      prompt.version,
      prompt.version ? `${prompt.id}@${prompt.version}` : prompt.id,
      "prompt.id",
    );
  else if (body.model) version = await versionOfModel(principal, body.model);
  else throw new AppError("invalid_request", 'prompt is required: {id: "wf_…", version?, variables?}', { param: "prompt" });
  const rawPrompt = (rawBody.prompt ?? {}) as { variables?: Record<string, unknown> | null };
  // The raw format (the schema checked its shape): its schema's keys exactly as sent.
  const format = checkTextFormat((rawBody.text as { format?: TextFormat } | null | undefined)?.format, version.outputSchema);
  const user = body.user ?? body.safety_identifier;
  const run: Omit<RunRequest, "protocol"> = {
    principal,
    version,
    source: "openai",
    timing,
    fields: { user },
    // The raw object (the schema checked it is one): its keys exactly as sent.
    shape: shapeConversation(rawPrompt.variables ?? {}, inputTurns(body.input), "prompt.variables", version),
  };
  const head = (id: string): Head => ({
    id,
    createdAt: epoch(),
    model: prompt?.id ?? body.model!,
    prompt: prompt ?? null,
    metadata: body.metadata ?? {},
    user: user ?? null,
    format,
  });
  if (body.stream) {
    return respondStream(run, { req, resumable: false, headers, protocol: { name: "responses", sink: (o) => responsesSink(o, head) } });
  }
  const { run: started, result, done } = await completeRun({ ...run, protocol: "responses" }, req.signal);
  if (result.error) throw runFailedError(started.id, result);
  const status: Status = result.finishReason === "length" ? "incomplete" : "completed";
  return responseObject(head(started.id), {
    status,
    output: [message(started.id, "completed", result.text, result.citations)],
    usage: { input_tokens: done.inputTokens, output_tokens: done.outputTokens, total_tokens: done.totalTokens },
  });
}

/** `input`: a string is one user message; items are messages of text and image parts. */
function inputTurns(input: ResponsesBody["input"]): Turn[] {
  if (input === undefined) return [];
  if (typeof input === "string") return [turnOf("user", input, "input")];
  return input.map((item, i) => {
    if (item.type !== undefined && item.type !== "message") {
      throw new AppError("invalid_request", `input[${i}] is a ${item.type.slice(0, 40)} item: only messages are supported`, {
        param: `input[${i}]`,
      });
    }
    return turnOf(item.role ?? "user", item.content, `input[${i}].content`);
  });
}

type Usage = { input_tokens: number; output_tokens: number; total_tokens: number };
type Status = "in_progress" | "completed" | "incomplete" | "failed";

function message(runId: string, status: Exclude<Status, "failed">, text: string, citations: string[]) {
  return {
    type: "message",
    id: `msg_${runId}`,
    status,
    role: "assistant",
    content: text || status === "completed" ? [outputText(text, citations)] : [],
  };
}

function outputText(text: string, citations: string[]) {
  // Our citations are whole-answer sources: each annotation spans the text.
  return {
    type: "output_text",
    text,
    annotations: citations.map((url) => ({ type: "url_citation", url, title: url, start_index: 0, end_index: text.length })),
    logprobs: [],
  };
}

function responseObject(h: Head, r: { status: Status; output: unknown[]; usage: Usage | null; error?: { code: string; message: string } }) {
  return {
    id: h.id,
    object: "response" as const,
    created_at: h.createdAt,
    status: r.status,
    error: r.error ?? null,
    incomplete_details: r.status === "incomplete" ? { reason: "max_output_tokens" } : null,
    instructions: null,
    max_output_tokens: null,
    model: h.model,
    output: r.output,
    parallel_tool_calls: false,
    previous_response_id: null,
    prompt: h.prompt,
    reasoning: null,
    store: false,
    temperature: null,
    text: { format: h.format },
    tool_choice: "auto",
    tools: [],
    top_p: null,
    truncation: "disabled",
    usage: r.usage && { ...r.usage, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } },
    user: h.user,
    metadata: h.metadata,
  };
}

/**
 * The Responses event stream, as the SDKs accumulate it: response.created, response.in_progress,
 * one assistant message (output_item.added, content_part.added, output_text.delta…,
 * output_text.done, content_part.done, output_item.done), then response.completed (or
 * response.incomplete when the output limit cut it, response.failed when the run failed). Each
 * event carries `sequence_number`, from 0.
 */
export function responsesSink({ onCancel }: SinkOptions, headOf: (id: string) => Head): StreamSink {
  const body = controlledByteStream(onCancel);
  let seq = 0;
  let head!: Head;
  let text = "";
  const send = (type: string, data: object) =>
    body.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
  const at = () => ({ item_id: `msg_${head.id}`, output_index: 0, content_index: 0 });
  return {
    failureInStream: false,
    start(runId) {
      head = headOf(runId);
      const initial = responseObject(head, { status: "in_progress", output: [], usage: null });
      send("response.created", { response: initial });
      send("response.in_progress", { response: initial });
      send("response.output_item.added", { output_index: 0, item: message(runId, "in_progress", "", []) });
      send("response.content_part.added", { ...at(), part: { type: "output_text", text: "", annotations: [], logprobs: [] } });
    },
    text(delta) {
      text += delta;
      send("response.output_text.delta", { ...at(), delta, logprobs: [] });
    },
    source() {},
    end(end: RunEnd) {
      if (end.status !== "completed") {
        const error = { code: "server_error", message: `Failed to run workflow (${end.error?.code ?? end.status})` };
        send("response.failed", {
          response: responseObject(head, { status: "failed", output: [message(head.id, "incomplete", text, [])], usage: end.usage, error }),
        });
        return body.close();
      }
      const status: Status = end.finishReason === "length" ? "incomplete" : "completed";
      const part = outputText(end.text, end.citations);
      send("response.output_text.done", { ...at(), text: end.text, logprobs: [] });
      send("response.content_part.done", { ...at(), part });
      const item = { ...message(head.id, status, end.text, end.citations), content: [part] };
      send("response.output_item.done", { output_index: 0, item });
      send(`response.${status}`, { response: responseObject(head, { status, output: [item], usage: end.usage }) });
      body.close();
    },
    response(headers) {
      headers.set("content-type", "text/event-stream; charset=utf-8");
      headers.set("connection", "keep-alive");
      return new Response(body.stream, { status: 200, headers });
    },
  };
}
