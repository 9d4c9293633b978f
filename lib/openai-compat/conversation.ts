import { AppError } from "@/lib/errors";
import type { Shaped } from "@/lib/runs/prepare-run";
import { splitConversation } from "@/lib/runs/stream-inputs";

export type Turn = { role: string; text: string };
type Part = { type: string; text?: string };

/**
 * The text of an OpenAI message's content: a string, or its text parts joined. Images and files
 * are refused (400) rather than silently dropped: the workflow would answer without them.
 */
export function contentText(content: string | Part[] | null | undefined, param: string): string {
  if (content === null || content === undefined) return "";
  if (typeof content === "string") return content;
  return content.map((p, i) => {
    if (p.type === "text" || p.type === "input_text" || p.type === "output_text") return p.text ?? "";
    throw new AppError("invalid_request", `${param}[${i}] is a ${p.type.slice(0, 40)} part: only text input is supported`, { param: `${param}[${i}]` });
  }).join("");
}

/**
 * Variables (values as /run takes them, or `{type: "input_text", text}`) and a conversation, as
 * the run pipeline takes them: the last user message fills the first variable left out (as the
 * playground's chat does) and the turns before it are the history; when nothing is left out, the
 * whole conversation follows the rendered prompt, as messages followed an OpenAI prompt.
 */
export function shapeConversation(raw: Record<string, unknown>, turns: Turn[], param: string) {
  // No prototype: a "__proto__" variable is a key like any other (and, undeclared, ignored).
  const vars: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(raw)) vars[k] = textVariable(v, `${param}.${k}`);
  return (variables: string[]): Shaped => {
    const c = splitConversation(turns);
    const missing = variables.find((v) => !Object.hasOwn(vars, v));
    if (missing !== undefined && c.last !== undefined) {
      const filled: Record<string, unknown> = Object.assign(Object.create(null), vars);
      filled[missing] = c.last;
      return { vars: filled, history: c.before };
    }
    return { vars, history: [], followUp: c.all };
  };
}

function textVariable(v: unknown, param: string): unknown {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return v; // checked by resolveInputs
  const { type, text } = v as { type?: unknown; text?: unknown };
  if (type === "input_text" && typeof text === "string") return text;
  throw new AppError("invalid_request", `Invalid parameter: ${param} must be a string, number, boolean or {type: "input_text", text}; only text input is supported`, { param });
}
