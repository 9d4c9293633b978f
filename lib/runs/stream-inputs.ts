import type { LanguageModelV4Message } from "@ai-sdk/provider";
import { AppError } from "@/lib/errors";

import type { StreamProtocol } from "./protocols/sink-for";

export type { StreamProtocol };

const PROTOCOLS = new Set(["text", "ui", "sse"]);

/**
 * `?protocol=` wins; then `Accept: text/event-stream` (seed B); then a body with `messages`
 * (useChat's DefaultChatTransport) gets the UI message stream; otherwise plain text (seed A).
 */
export function chooseProtocol(req: Request, body: Record<string, unknown>): StreamProtocol {
  const forced = new URL(req.url).searchParams.get("protocol");
  if (forced !== null) {
    if (!PROTOCOLS.has(forced)) throw new AppError("invalid_request", "protocol must be one of text, ui, sse");
    return forced as StreamProtocol;
  }
  if ((req.headers.get("accept") ?? "").includes("text/event-stream")) return "sse";
  if (Array.isArray(body.messages)) return "ui";
  return "text";
}

type ChatMessage = { role: "user" | "assistant" | "system"; text: string };

function messageText(m: Record<string, unknown>): string {
  if (typeof m.content === "string") return m.content; // AI SDK ≤ 4 message shape
  if (Array.isArray(m.parts)) {
    return m.parts
      .map((p) => (p && typeof p === "object" && (p as { type?: unknown }).type === "text" ? String((p as { text?: unknown }).text ?? "") : ""))
      .join("");
  }
  return "";
}

function parseMessages(raw: unknown): ChatMessage[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new AppError("invalid_request", "messages must be an array");
  if (raw.length > 500) throw new AppError("invalid_request", "messages may hold at most 500 messages");
  return raw.map((m, i) => {
    if (!m || typeof m !== "object") throw new AppError("invalid_request", `messages[${i}] must be an object`);
    const role = (m as { role?: unknown }).role;
    if (role !== "user" && role !== "assistant" && role !== "system") {
      throw new AppError("invalid_request", `messages[${i}].role must be user, assistant or system`);
    }
    return { role, text: messageText(m as Record<string, unknown>) };
  });
}

/** Body keys that belong to a transport, not to the template. */
const TRANSPORT_KEYS = new Set(["messages", "id", "trigger", "messageId", "parameters", "session_id", "user"]);

/**
 * Template variables and conversation history from a stream request body:
 * - plain fields are variables (seed A);
 * - seed B's `query` and `parameters` {…} are variables too;
 * - useChat bodies: earlier messages become the conversation, and when exactly one variable is
 *   still missing it takes the latest user message, so a one-variable workflow works with plain useChat.
 */
export function streamInputs(body: Record<string, unknown>, variables: string[]) {
  const vars: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) if (!TRANSPORT_KEYS.has(k)) vars[k] = v;
  const params = body.parameters;
  if (params !== undefined) {
    if (!params || typeof params !== "object" || Array.isArray(params)) throw new AppError("invalid_request", "parameters must be an object");
    for (const [k, v] of Object.entries(params)) if (!Object.hasOwn(vars, k)) vars[k] = v;
  }
  const messages = parseMessages(body.messages).filter((m) => m.role !== "system");
  let lastUser = -1;
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.role === "user") { lastUser = i; break; }
  const fallback = lastUser >= 0 ? messages[lastUser]!.text : typeof body.query === "string" ? body.query : undefined;
  const missing = variables.filter((v) => !Object.hasOwn(vars, v));
  if (missing.length === 1 && fallback !== undefined) vars[missing[0]!] = fallback;
  const history: LanguageModelV4Message[] = (lastUser >= 0 ? messages.slice(0, lastUser) : messages)
    .filter((m) => m.text)
    .map((m) => (m.role === "user"
      ? { role: "user", content: [{ type: "text", text: m.text }] }
      : { role: "assistant", content: [{ type: "text", text: m.text }] }));
  return { vars, history };
}
