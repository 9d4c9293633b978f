import { AppError } from "@/lib/errors";
import { jsonTooDeep, MAX_JSON_DEPTH } from "@/lib/validation/json-depth";

export const MAX_BODY_BYTES = 1_000_000;

/**
 * Reads a JSON object body with a hard size cap (refused early on Content-Length, and again while
 * reading for chunked bodies). An empty body is {} (a workflow without variables needs none).
 */
export async function readJsonObject(req: Request, maxBytes = MAX_BODY_BYTES): Promise<Record<string, unknown>> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > maxBytes) throw tooLarge(maxBytes);
  // The Content-Type is not checked: `curl --data` sends form-urlencoded by default, and a JSON
  // body is a JSON body whatever its label. What does not parse gets a clear 400 below.
  const text = await readText(req, maxBytes);
  if (!text.trim()) return {};
  let parsed: unknown;
  try {
    // Only a body that escapes a surrogate can hold an unpaired one: the rest skip the reviver.
    parsed = ESCAPED_SURROGATE.test(text) ? JSON.parse(text, refuseLoneSurrogates) : JSON.parse(text);
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError("invalid_request", "Request body is not valid JSON: send the workflow's input variables as a JSON object");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new AppError("invalid_request", "Request body must be a JSON object of input variables");
  }
  // Before anything walks it (the Idempotency-Key hash, zod, the prompt, the database): see json-depth.ts.
  if (jsonTooDeep(parsed))
    throw new AppError("invalid_request", `Request body is nested too deeply (at most ${MAX_JSON_DEPTH} levels of arrays and objects)`);
  return parsed as Record<string, unknown>;
}

const ESCAPED_SURROGATE = /\\u[dD][89a-fA-F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * JSON may escape half of a surrogate pair ("\ud800"): valid JSON, but not text — PostgreSQL
 * refuses it and encoders mangle it. Refused wherever it stands, in a key or a value.
 */
function refuseLoneSurrogates(key: string, value: unknown) {
  if (LONE_SURROGATE.test(key) || (typeof value === "string" && LONE_SURROGATE.test(value))) {
    throw new AppError(
      "invalid_request",
      `Request body is not valid Unicode: ${key ? `"${key.replace(LONE_SURROGATE, "\uFFFD")}"` : "a value"} holds an unpaired surrogate`,
    );
  }
  return value;
}

export async function readText(req: Request, maxBytes: number): Promise<string> {
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new AppError("invalid_request", "Request body is not valid UTF-8");
  }
}

function tooLarge(maxBytes: number) {
  return new AppError("payload_too_large", `Request body too large (max ${Math.round(maxBytes / 1000)} KB)`);
}
