import type { LanguageModelV4FilePart, LanguageModelV4Message } from "@ai-sdk/provider";
import type { z } from "zod";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { chatImages } from "@/lib/runs/image-parts";
import type { Pacing } from "./protocols/paced";
import type { StreamProtocol } from "./protocols/sink-for";
import type { streamBody } from "@/lib/runs/schemas";

type StreamBody = z.output<typeof streamBody>;

export type { StreamProtocol };

/**
 * `?protocol=` (already parsed by streamQuery/resumeQuery) wins; then `Accept: text/event-stream`
 * (the SSE protocol); then a body with `messages`: AI SDK ≤ 4's useChat (the stream endpoint's `ai/react` example, docs/contract.md) gets
 * its data stream, later ones (DefaultChatTransport) the UI message stream; otherwise plain text
 * (the text protocol; docs/contract.md).
 */
export function chooseProtocol(forced: StreamProtocol | undefined, req: Request, body: Record<string, unknown>): StreamProtocol {
  if (forced !== undefined) return forced;
  if ((req.headers.get("accept") ?? "").includes("text/event-stream")) return "sse";
  if (Array.isArray(body.messages)) return isAiSdk4Body(body.messages, body.trigger) ? "data" : "ui";
  return "text";
}

/**
 * AI SDK ≤ 4 sends messages with a string `content` (4.2+ adds `parts` beside it) and never a
 * `trigger`, which every AI SDK 5+ request carries.
 */
function isAiSdk4Body(messages: unknown[], trigger: unknown): boolean {
  return (
    trigger === undefined &&
    messages.some((m) => m !== null && typeof m === "object" && typeof (m as { content?: unknown }).content === "string")
  );
}

/** A message's text: a UI message's text parts, or an AI SDK ≤ 4 message's content. */
function messageText(m: NonNullable<StreamBody["messages"]>[number]): string {
  if (typeof m.content === "string") return m.content;
  if (Array.isArray(m.parts)) {
    return m.parts
      .map((p) =>
        p && typeof p === "object" && (p as { type?: unknown }).type === "text" ? String((p as { text?: unknown }).text ?? "") : "",
      )
      .join("");
  }
  return "";
}

/**
 * The assistant message a useChat request continues: the last message, when it is the assistant's
 * (sendAutomaticallyWhen resubmits it once its tool outputs are in).
 */
export function continuedMessageId(fields: StreamBody): string | undefined {
  const last = fields.messages?.at(-1);
  return last?.role === "assistant" && typeof last.id === "string" && last.id ? last.id.slice(0, 200) : undefined;
}

/** The SSE protocol's `parameters` that steer the stream (pacingOf), not the template. */
const STREAM_CONTROLS = new Set(["stream_delay_ms", "chunk_size"]);

/** The SSE protocol's stream controls (docs/contract.md), when the body sets any (already range-checked by streamBody). */
export function pacingOf(fields: StreamBody): Pacing | undefined {
  const { stream_delay_ms: delayMs, chunk_size: chunkSize } = fields.parameters ?? {};
  if (delayMs === undefined && chunkSize === undefined) return undefined;
  return { delayMs: delayMs ?? 0, chunkSize, maxMs: getEnv().RUN_MAX_DURATION_S * 1000 };
}

/** Body keys that belong to a transport, not to the template. */
const TRANSPORT_KEYS = new Set(["messages", "id", "trigger", "messageId", "parameters", "session_id", "user"]);

/**
 * Template variables and conversation history from a stream request body:
 * - plain fields are variables (the stream endpoint, docs/contract.md);
 * - the SSE protocol's `query` and `parameters` {…} are variables too;
 * - useChat bodies: earlier messages become the conversation, and when exactly one variable is
 *   still missing it takes the latest user message, so a one-variable workflow works with plain useChat.
 */
export function streamInputs(body: Record<string, unknown>, fields: StreamBody, variables: string[]) {
  const vars: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!TRANSPORT_KEYS.has(k)) vars[k] = v;
  // The raw object, streamBody having checked that it is one: its keys exactly as sent (a parsed
  // copy would turn a "__proto__" key into a prototype).
  const params = (body.parameters ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(params)) if (!Object.hasOwn(vars, k) && !STREAM_CONTROLS.has(k)) vars[k] = v;
  const conversation = splitConversation(
    (fields.messages ?? []).flatMap((m, i) =>
      m.role === "assistant"
        ? assistantTurns(m, `messages[${i}]`)
        : [{ role: m.role, text: messageText(m), files: m.role === "user" ? chatImages(m, `messages[${i}]`) : [] }],
    ),
    // useChat may send a call whose result it never got (the user typed on): it is left out.
    { unanswered: "drop" },
  );
  const fallback = conversation.last ?? (typeof body.query === "string" ? body.query : undefined);
  const missing = variables.filter((v) => !Object.hasOwn(vars, v));
  if (missing.length === 1 && fallback !== undefined) vars[missing[0]!] = fallback;
  return { vars, history: conversation.before, files: conversation.lastFiles, followUp: conversation.after };
}

type ToolPart = {
  type: string;
  toolCallId?: unknown;
  toolName?: unknown;
  state?: unknown;
  input?: unknown;
  output?: unknown;
  errorText?: unknown;
};
type V4Invocation = { toolCallId?: unknown; toolName?: unknown; state?: unknown; args?: unknown; result?: unknown };

const outputText = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v ?? null));

/**
 * A useChat assistant message as turns: its text and tool calls, then a tool turn per call that
 * has its output — per step (`step-start` parts separate the model calls of one message). AI SDK
 * 5+ writes tool parts (`tool-<name>` or `dynamic-tool`, output in state output-available or
 * output-error); AI SDK 4 writes `toolInvocations` (state "result") or `tool-invocation` parts.
 */
function assistantTurns(m: NonNullable<StreamBody["messages"]>[number], param: string): ChatTurn[] {
  const raw = m as { parts?: unknown[]; toolInvocations?: unknown };
  const turns: ChatTurn[] = [];
  let text = "";
  let calls: NonNullable<ChatTurn["toolCalls"]> = [];
  let results: ChatTurn[] = [];
  const flush = () => {
    if (text || calls.length) turns.push({ role: "assistant", text, toolCalls: calls, param });
    turns.push(...results);
    text = "";
    calls = [];
    results = [];
  };
  const call = (id: unknown, name: unknown, input: unknown, output: { value: unknown } | undefined) => {
    if (typeof id !== "string" || typeof name !== "string") throw bad(param, "has a tool part without a toolCallId and tool name");
    calls.push({ toolCallId: id, toolName: name, input });
    if (output) results.push({ role: "tool", text: "", toolResult: { toolCallId: id, output: outputText(output.value) }, param });
  };
  const v4 = (t: V4Invocation) => call(t.toolCallId, t.toolName, t.args, t.state === "result" ? { value: t.result } : undefined);
  if (Array.isArray(raw.parts) && raw.parts.length) {
    for (const p of raw.parts as ToolPart[]) {
      if (!p || typeof p !== "object") continue;
      if (p.type === "step-start" && (text || calls.length)) flush();
      else if (p.type === "text") text += String((p as { text?: unknown }).text ?? "");
      else if (p.type === "tool-invocation") v4((p as { toolInvocation?: V4Invocation }).toolInvocation ?? {});
      else if (p.type === "dynamic-tool" || p.type.startsWith("tool-")) {
        const name = p.type === "dynamic-tool" ? p.toolName : p.type.slice(5);
        const output =
          p.state === "output-available"
            ? { value: p.output }
            : p.state === "output-error"
              ? { value: `Error: ${String(p.errorText)}` }
              : undefined;
        call(p.toolCallId, name, p.input, output);
      }
    }
  } else {
    text = typeof m.content === "string" ? m.content : "";
    if (Array.isArray(raw.toolInvocations)) for (const t of raw.toolInvocations as V4Invocation[]) v4(t ?? {});
  }
  flush();
  return turns;
}

/** The most characters of one tool call's arguments (JSON text) or one tool result a conversation may carry. */
export const MAX_TOOL_IO_CHARS = 100_000;
/** The most tool calls one conversation may carry (each answered by one result). */
export const MAX_CONVERSATION_TOOL_CALLS = 256;

/**
 * One message of a chat as the run takes it. An assistant turn may carry the tool calls the model
 * made (`toolCalls`, arguments already parsed); a `tool` turn is one call's result. `param` names
 * the message in errors.
 */
export type ChatTurn = {
  role: string;
  text: string;
  files?: LanguageModelV4FilePart[];
  toolCalls?: Array<{ toolCallId: string; toolName: string; input: unknown }>;
  toolResult?: { toolCallId: string; output: string };
  param?: string;
};

const bad = (param: string | undefined, message: string) =>
  new AppError("invalid_request", `Invalid parameter: ${param ?? "messages"} ${message}`, { param: param ?? "messages" });

/**
 * A chat's turns as the run pipeline takes them: system turns dropped (the workflow has its
 * own), the latest user message's text (`last`, which may fill a variable) and images
 * (`lastFiles`), the turns before it (`before`), the tool round trip after it (`after`: the
 * assistant's tool calls and their results, when the conversation ends with them) and all of them
 * (`all`), empty ones left out. A tool result must answer a call of an earlier assistant turn (400
 * otherwise); a call without a result is a 400 when `unanswered` is "error" (OpenAI's rule), and is
 * left out when "drop" (useChat may send a call whose result it never got).
 */
export function splitConversation(
  messages: ChatTurn[],
  { unanswered = "error" }: { unanswered?: "error" | "drop" } = {},
): {
  last?: string;
  lastFiles: LanguageModelV4FilePart[];
  before: LanguageModelV4Message[];
  after: LanguageModelV4Message[];
  all: LanguageModelV4Message[];
} {
  const turns = messages.filter((m) => m.role === "user" || m.role === "assistant" || m.role === "tool");
  const callNames = checkToolTurns(turns, unanswered);
  let lastUser = -1;
  for (let i = turns.length - 1; i >= 0; i--)
    if (turns[i]!.role === "user") {
      lastUser = i;
      break;
    }
  const toModel = (ts: ChatTurn[]) => ts.flatMap((m) => modelMessage(m, callNames));
  const after = lastUser >= 0 ? turns.slice(lastUser + 1) : [];
  return {
    last: lastUser >= 0 ? turns[lastUser]!.text : undefined,
    lastFiles: lastUser >= 0 ? (turns[lastUser]!.files ?? []) : [],
    before: toModel(lastUser >= 0 ? turns.slice(0, lastUser) : turns),
    // Only a tool round trip follows the prompt: a lone assistant turn after the last user message was always left out.
    after: after.some((t) => t.role === "tool") ? toModel(after) : [],
    all: toModel(turns),
  };
}

/** Checks the tool calls and results; returns call id → tool name for the calls that were answered. */
function checkToolTurns(turns: ChatTurn[], unanswered: "error" | "drop"): Map<string, string> {
  const calls = new Map<string, { name: string; param?: string }>();
  const answered = new Map<string, string>();
  for (const t of turns) {
    for (const c of t.toolCalls ?? []) {
      if (calls.has(c.toolCallId)) throw bad(t.param, `repeats tool call id ${c.toolCallId.slice(0, 64)}`);
      if (JSON.stringify(c.input ?? null).length > MAX_TOOL_IO_CHARS)
        throw bad(t.param, `has a tool call whose arguments exceed ${MAX_TOOL_IO_CHARS} characters`);
      calls.set(c.toolCallId, { name: c.toolName, param: t.param });
    }
    if (calls.size > MAX_CONVERSATION_TOOL_CALLS)
      throw bad(t.param, `brings the conversation past ${MAX_CONVERSATION_TOOL_CALLS} tool calls`);
    if (t.role !== "tool") continue;
    const r = t.toolResult;
    if (!r) throw bad(t.param, "is a tool message without a tool_call_id");
    const call = calls.get(r.toolCallId);
    if (!call) throw bad(t.param, `answers tool call ${r.toolCallId.slice(0, 64)}, which no earlier assistant message made`);
    if (answered.has(r.toolCallId)) throw bad(t.param, `answers tool call ${r.toolCallId.slice(0, 64)} a second time`);
    if (r.output.length > MAX_TOOL_IO_CHARS) throw bad(t.param, `is a tool result of more than ${MAX_TOOL_IO_CHARS} characters`);
    answered.set(r.toolCallId, call.name);
  }
  if (unanswered === "error")
    for (const [id, c] of calls)
      if (!answered.has(id)) throw bad(c.param, `has tool call ${id.slice(0, 64)}, which no tool message answers`);
  return answered;
}

function modelMessage(m: ChatTurn, answered: Map<string, string>): LanguageModelV4Message[] {
  if (m.role === "tool") {
    const r = m.toolResult!;
    const toolName = answered.get(r.toolCallId)!;
    return [
      { role: "tool", content: [{ type: "tool-result", toolCallId: r.toolCallId, toolName, output: { type: "text", value: r.output } }] },
    ];
  }
  if (m.role === "user") {
    if (!m.text && !m.files?.length) return [];
    return [{ role: "user", content: [...(m.text ? [{ type: "text" as const, text: m.text }] : []), ...(m.files ?? [])] }];
  }
  const calls = (m.toolCalls ?? []).filter((c) => answered.has(c.toolCallId));
  if (!m.text && !calls.length) return [];
  return [
    {
      role: "assistant",
      content: [
        ...(m.text ? [{ type: "text" as const, text: m.text }] : []),
        ...calls.map((c) => ({ type: "tool-call" as const, toolCallId: c.toolCallId, toolName: c.toolName, input: c.input })),
      ],
    },
  ];
}
