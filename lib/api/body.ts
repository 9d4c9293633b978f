import { AppError } from "@/lib/errors";

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
    parsed = JSON.parse(text);
  } catch {
    throw new AppError("invalid_request", "Request body is not valid JSON: send the workflow's input variables as a JSON object");
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new AppError("invalid_request", "Request body must be a JSON object of input variables");
  }
  return parsed as Record<string, unknown>;
}

async function readText(req: Request, maxBytes: number): Promise<string> {
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
