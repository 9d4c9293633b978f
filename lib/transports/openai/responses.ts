import type { Principal } from "@/lib/auth/principal";
import { AppError } from "@/lib/errors";
import { clientToolCalls, completeRun, type RunRequest } from "@/lib/runs/open-run";
import { runFailedError } from "@/lib/transports/run-failure";
import { controlledByteStream, type RunEnd, type SinkOptions, type StreamSink } from "@/lib/transports/protocols/types";
import { respondStream } from "@/lib/transports/respond-stream";
import type { ServerTiming } from "@/lib/server-timing";
import { epoch } from "./chat-completions";
import { callerTools, parsedArguments, shapeConversation, turnOf, type Turn } from "./conversation";
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
    shape: shapeConversation(
      rawPrompt.variables ?? {},
      inputTurns(body.input),
      "prompt.variables",
      version,
      callerTools(
        body.tools?.map((t) => ({ name: t.name, description: t.description ?? undefined, parameters: t.parameters })),
        body.tool_choice,
        body.parallel_tool_calls,
      ),
    ),
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
  const { run: started, result, done, toolExecutors } = await completeRun({ ...run, protocol: "responses" }, req.signal);
  if (result.error) throw runFailedError(started.id, result);
  const status: Status = result.finishReason === "length" ? "incomplete" : "completed";
  // The workflow's server tools (http, mcp) ran inside the run: the caller sees only its own calls.
  const calls = clientToolCalls(result.toolCalls, toolExecutors);
  return responseObject(head(started.id), {
    status,
    output: [
      ...(result.text || !calls.length ? [message(started.id, "completed", result.text, result.citations)] : []),
      ...calls.map((c, i) => functionCall(started.id, i, c, "completed")),
    ],
    usage: { input_tokens: done.inputTokens, output_tokens: done.outputTokens, total_tokens: done.totalTokens },
  });
}

/**
 * `input`: a string is one user message; items are messages of text and image parts, the
 * `function_call` items of an earlier response (consecutive ones are one assistant turn) and
 * `function_call_output` items answering them.
 */
function inputTurns(input: ResponsesBody["input"]): Turn[] {
  if (input === undefined) return [];
  if (typeof input === "string") return [turnOf("user", input, "input")];
  const turns: Turn[] = [];
  input.forEach((item, i) => {
    const param = `input[${i}]`;
    const need = (field: "call_id" | "name", v: unknown): string => {
      if (typeof v !== "string") throw new AppError("invalid_request", `Invalid parameter: ${param}.${field} is required`, { param });
      return v;
    };
    if (item.type === "function_call") {
      const call = {
        toolCallId: need("call_id", item.call_id),
        toolName: need("name", item.name),
        input: parsedArguments(item.arguments ?? "{}"),
      };
      const prev = turns.at(-1);
      if (prev?.role === "assistant" && prev.toolCalls) prev.toolCalls.push(call);
      else turns.push({ role: "assistant", text: "", files: [], toolCalls: [call], param });
      return;
    }
    if (item.type === "function_call_output") {
      const output = typeof item.output === "string" ? item.output : turnOf("tool", item.output ?? "", `${param}.output`).text;
      turns.push({ role: "tool", text: "", files: [], toolResult: { toolCallId: need("call_id", item.call_id), output }, param });
      return;
    }
    if (item.type !== undefined && item.type !== "message") {
      throw new AppError(
        "invalid_request",
        `${param} is a ${item.type.slice(0, 40)} item: only messages, function_call and function_call_output items are supported`,
        { param },
      );
    }
    turns.push({ ...turnOf(item.role ?? "user", item.content, `${param}.content`), param });
  });
  return turns;
}

type FnCall = { toolCallId: string; toolName: string; input: string };

/** A function_call output item; `fc_<run>_<n>` identifies the item, `call_id` the call (the model's id). */
function functionCall(runId: string, n: number, c: FnCall, status: "in_progress" | "completed") {
  return { type: "function_call", id: `fc_${runId}_${n}`, call_id: c.toolCallId, name: c.toolName, arguments: c.input, status };
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
 * the output items — an assistant message (output_item.added, content_part.added,
 * output_text.delta…, output_text.done, content_part.done, output_item.done) once text comes, and
 * a function_call item per client tool call (output_item.added, function_call_arguments.delta…,
 * function_call_arguments.done, output_item.done) — then response.completed (or
 * response.incomplete when the output limit cut it, response.failed when the run failed). Each
 * event carries `sequence_number`, from 0. Server tools (http, mcp) are not shown.
 */
export function responsesSink({ onCancel }: SinkOptions, headOf: (id: string) => Head): StreamSink {
  const body = controlledByteStream(onCancel);
  let seq = 0;
  let head!: Head;
  let text = "";
  /** The output items so far, in order; the message's index while it is open. */
  const items: object[] = [];
  let msgIndex: number | undefined;
  let msgDone = false;
  const calls = new Map<string, { index: number; n: number; name: string; args: string; done: boolean }>();
  const send = (type: string, data: object) =>
    body.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
  const at = () => ({ item_id: `msg_${head.id}`, output_index: msgIndex!, content_index: 0 });
  const openMessage = () => {
    if (msgIndex !== undefined) return;
    msgIndex = items.length;
    items.push(message(head.id, "in_progress", "", []));
    send("response.output_item.added", { output_index: msgIndex, item: items[msgIndex] });
    send("response.content_part.added", { ...at(), part: { type: "output_text", text: "", annotations: [], logprobs: [] } });
  };
  const closeMessage = (status: Exclude<Status, "failed">, citations: string[]) => {
    if (msgIndex === undefined || msgDone) return;
    msgDone = true;
    const part = outputText(text, citations);
    send("response.output_text.done", { ...at(), text, logprobs: [] });
    send("response.content_part.done", { ...at(), part });
    items[msgIndex] = { ...message(head.id, status, text, citations), content: [part] };
    send("response.output_item.done", { output_index: msgIndex, item: items[msgIndex] });
  };
  const openCall = (toolCallId: string, toolName: string) => {
    closeMessage("completed", []);
    const c = { index: items.length, n: calls.size, name: toolName, args: "", done: false };
    calls.set(toolCallId, c);
    items.push(functionCall(head.id, c.n, { toolCallId, toolName, input: "" }, "in_progress"));
    send("response.output_item.added", { output_index: c.index, item: items[c.index] });
    return c;
  };
  const finishCall = (toolCallId: string, input: string) => {
    const c = calls.get(toolCallId)!;
    if (c.done) return;
    c.done = true;
    c.args = input;
    const item_id = `fc_${head.id}_${c.n}`;
    send("response.function_call_arguments.done", { item_id, output_index: c.index, arguments: input });
    items[c.index] = functionCall(head.id, c.n, { toolCallId, toolName: c.name, input }, "completed");
    send("response.output_item.done", { output_index: c.index, item: items[c.index] });
  };
  return {
    failureInStream: false,
    start(runId) {
      head = headOf(runId);
      const initial = responseObject(head, { status: "in_progress", output: [], usage: null });
      send("response.created", { response: initial });
      send("response.in_progress", { response: initial });
    },
    text(delta) {
      if (msgDone) return; // text after a tool call: not a shape the SDKs expect (the models do not send it)
      openMessage();
      text += delta;
      send("response.output_text.delta", { ...at(), delta, logprobs: [] });
    },
    source() {},
    toolInputStart(e) {
      if (!e.server) openCall(e.toolCallId, e.toolName);
    },
    toolInputDelta(id, delta) {
      const c = calls.get(id);
      if (!c || c.done || !delta) return;
      c.args += delta;
      send("response.function_call_arguments.delta", { item_id: `fc_${head.id}_${c.n}`, output_index: c.index, delta });
    },
    toolCall(c) {
      if (c.server) return;
      if (!calls.has(c.toolCallId)) {
        openCall(c.toolCallId, c.toolName);
        send("response.function_call_arguments.delta", {
          item_id: `fc_${head.id}_${calls.get(c.toolCallId)!.n}`,
          output_index: calls.get(c.toolCallId)!.index,
          delta: c.input,
        });
      }
      finishCall(c.toolCallId, c.input);
    },
    toolResult() {},
    end(end: RunEnd) {
      if (end.status !== "completed") {
        const error = { code: "server_error", message: `Failed to run workflow (${end.error?.code ?? end.status})` };
        if (msgIndex !== undefined && !msgDone) items[msgIndex] = message(head.id, "incomplete", text, []);
        const output = items.length ? items : [message(head.id, "incomplete", text, [])];
        send("response.failed", { response: responseObject(head, { status: "failed", output, usage: end.usage, error }) });
        return body.close();
      }
      const status: Status = end.finishReason === "length" ? "incomplete" : "completed";
      // Nothing at all (an empty answer): still one message item, as before tools.
      if (!items.length) openMessage();
      text = msgIndex !== undefined && !msgDone ? end.text : text;
      closeMessage(status, end.citations);
      send(`response.${status}`, { response: responseObject(head, { status, output: items, usage: end.usage }) });
      body.close();
    },
    response(headers) {
      headers.set("content-type", "text/event-stream; charset=utf-8");
      headers.set("connection", "keep-alive");
      return new Response(body.stream, { status: 200, headers });
    },
  };
}
