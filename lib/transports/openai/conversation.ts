import type { LanguageModelV4FilePart } from "@ai-sdk/provider";
import type { WorkflowVersion } from "@/db/schema";
import { AppError } from "@/lib/errors";
import { imageFilePart, isImageUrl, NOT_AN_IMAGE } from "@/lib/runs/image-parts";
import type { Shaped } from "@/lib/runs/prepare-run";
import { splitConversation, type ChatTurn } from "@/lib/transports/stream-inputs";
import { variablesOf } from "@/lib/workflows/template";

export type Turn = ChatTurn & { files: LanguageModelV4FilePart[] };
type Part = { type: string; text?: string; image_url?: unknown; detail?: unknown; file_id?: unknown };

const TEXT_PARTS = new Set(["text", "input_text", "output_text"]);
/** Chat's `{type: "image_url", image_url: {url, detail?}}`, the Responses API's `{type: "input_image", image_url, detail}`. */
const IMAGE_PARTS = new Set(["image_url", "input_image"]);
const DETAILS = new Set(["low", "high", "auto"]);

const invalid = (param: string, message: string) => new AppError("invalid_request", `Invalid parameter: ${param} ${message}`, { param });

/**
 * An OpenAI message as a turn: its text parts joined, and a user message's images (checked as
 * image variables are) as file parts, handed to the provider and never fetched. Any other part
 * (audio, files, an image by file_id or in another role) is refused (400) rather than silently
 * dropped: the workflow would answer without it.
 */
export function turnOf(role: string, content: string | Part[] | null | undefined, param: string): Turn {
  if (content === null || content === undefined || typeof content === "string") return { role, text: content ?? "", files: [] };
  let text = "";
  const files: LanguageModelV4FilePart[] = [];
  content.forEach((p, i) => {
    const where = `${param}[${i}]`;
    if (TEXT_PARTS.has(p.type)) text += p.text ?? "";
    else if (!IMAGE_PARTS.has(p.type)) throw invalid(where, `is a ${p.type.slice(0, 40)} part: only text and image input is supported`);
    else if (role !== "user") throw invalid(where, `is an image in a ${role} message: only user messages may hold images`);
    else files.push(imagePart(p, where));
  });
  return { role, text, files };
}

function imagePart(p: Part, where: string): LanguageModelV4FilePart {
  const { url, detail } =
    p.type === "image_url" && p.image_url !== null && typeof p.image_url === "object"
      ? (p.image_url as { url?: unknown; detail?: unknown })
      : { url: p.image_url, detail: p.detail };
  if (url === undefined && p.file_id !== undefined)
    throw invalid(where, "is an image by file_id: send its image_url (https: or data:image URL) instead");
  if (!isImageUrl(url)) throw invalid(where, `image_url ${NOT_AN_IMAGE}`);
  const part = imageFilePart(url);
  // OpenAI's own knob, passed on to the provider in its wire format.
  return typeof detail === "string" && DETAILS.has(detail) ? { ...part, providerOptions: { openai: { imageDetail: detail } } } : part;
}

/**
 * Variables (values as /run takes them, `{type: "input_text", text}`, or for an image variable
 * `{type: "input_image", image_url}`) and a conversation, as the run pipeline takes them: the last
 * user message fills the first variable left out (as the playground's chat does), its images follow
 * the rendered template, and the turns before it are the history; when nothing is left out, the
 * whole conversation follows the rendered prompt, as messages followed an OpenAI prompt.
 */
export function shapeConversation(
  raw: Record<string, unknown>,
  turns: Turn[],
  param: string,
  version: WorkflowVersion,
  tools?: Shaped["tools"],
) {
  const images = new Set(
    variablesOf(version)
      .filter((v) => v.type === "image")
      .map((v) => v.name),
  );
  // No prototype: a "__proto__" variable is a key like any other (and, undeclared, ignored).
  const vars: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(raw)) vars[k] = variableValue(v, `${param}.${k}`, k, images.has(k));
  return (variables: string[]): Shaped => {
    const c = splitConversation(turns);
    const missing = variables.find((v) => !Object.hasOwn(vars, v));
    if (missing !== undefined && c.last !== undefined) {
      const filled: Record<string, unknown> = Object.assign(Object.create(null), vars);
      filled[missing] = c.last;
      return { vars: filled, history: c.before, files: c.lastFiles, followUp: c.after, tools };
    }
    return { vars, history: [], followUp: c.all, tools };
  };
}

/** A variable's value as resolveInputs checks it. */
function variableValue(v: unknown, param: string, name: string, isImage: boolean): unknown {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return v; // checked by resolveInputs
  const { type, text, image_url: url } = v as { type?: unknown; text?: unknown; image_url?: unknown };
  if (type === "input_text" && typeof text === "string") return text;
  if (type === "input_image") {
    if (!isImage) throw invalid(param, `is an image, but ${name} is not an image variable`);
    if (typeof url !== "string")
      throw invalid(param, "needs an image_url (an https: or data:image URL); images by file_id are not supported");
    return url; // checked as an image by resolveInputs
  }
  throw invalid(
    param,
    'must be a string, number, boolean, {type: "input_text", text} or, for an image variable, {type: "input_image", image_url}',
  );
}

/**
 * A Chat Completions message as a turn: an assistant message's `tool_calls` (arguments parsed; text
 * that is not JSON is kept as a string), a `tool` message's result for `tool_call_id`.
 */
export function chatTurnOf(
  m: {
    role: string;
    content?: string | Part[] | null;
    tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }> | null;
    tool_call_id?: string;
  },
  i: number,
): Turn {
  const param = `messages[${i}]`;
  if (m.role === "tool") {
    if (m.tool_call_id === undefined) throw invalid(param, "is a tool message without a tool_call_id");
    const t = turnOf("tool", m.content, `${param}.content`);
    return { role: "tool", text: "", files: [], toolResult: { toolCallId: m.tool_call_id, output: t.text }, param };
  }
  const t = turnOf(m.role, m.content, `${param}.content`);
  if (m.role !== "assistant" || !m.tool_calls?.length) return { ...t, param };
  return {
    ...t,
    param,
    toolCalls: m.tool_calls.map((c) => ({ toolCallId: c.id, toolName: c.function.name, input: parsedArguments(c.function.arguments) })),
  };
}

/** A call's arguments as the model wrote them: JSON text, parsed (anything else is kept as the string it is). */
export function parsedArguments(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return json;
  }
}

/** The caller's tools in OpenAI's Chat (`{type, function: {…}}`) or Responses (`{type, name, …}`) form. */
export function callerTools(
  tools: Array<{ name: string; description?: string; parameters: Record<string, unknown> }> | undefined,
  choice: unknown,
  parallel: boolean | null | undefined,
): Shaped["tools"] {
  if (!tools?.length && choice === undefined && parallel == null) return undefined;
  return { caller: tools ?? [], choice, parallel, param: "tools" };
}
