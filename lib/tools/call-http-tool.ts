import "server-only";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";
import { newId } from "@/lib/ids";
import { signWebhook } from "@/lib/webhooks/sign";
import { NoAnswerError, postPinned, resolveAllowedAddress, type PinnedAddress, type ResolveHost } from "@/lib/webhooks/outbound";
import { boundAnswer, MAX_TOOL_ANSWER_CHARS } from "./bounds";
import { toolError, type ToolOutcome } from "./outcome";
import { toolHeaders } from "./tool-headers";

const CONNECTION_HEADERS = new Set(["host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer"]);

export type HttpToolDef = { name: string; url: string; headers?: Record<string, string> };

/**
 * Calls an HTTP tool: POSTs the (already validated) arguments as JSON to its URL, signed the
 * Standard Webhooks way with the org's tool signing secrets (webhook-id is the tool call's id; during a
 * rotation's overlap one signature per secret), to an
 * address checked like a webhook's (https, public; TOOLS_ALLOW_PRIVATE=1 lifts both), within
 * TOOL_TIMEOUT_MS. Whatever goes wrong is an error result for the model, never a failed run.
 */
export async function callHttpTool(
  tool: HttpToolDef,
  args: Record<string, unknown>,
  o: { secrets: readonly string[]; callId: string; runId: string; signal: AbortSignal; resolveHost?: ResolveHost },
): Promise<ToolOutcome> {
  const env = getEnv();
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let url: URL;
  try {
    url = new URL(tool.url);
  } catch {
    return toolError("refused", "the tool's URL is not valid");
  }
  if (url.protocol !== "https:" && !env.TOOLS_ALLOW_PRIVATE) return toolError("refused", "the tool's URL must be https");
  let pinned: PinnedAddress;
  try {
    pinned = await resolveAllowedAddress(url, env.TOOLS_ALLOW_PRIVATE, o.resolveHost);
  } catch (e) {
    return toolError("refused", e instanceof AppError ? e.message : "the tool's host could not be resolved", ms());
  }
  const body = JSON.stringify(args);
  const headers = {
    // The tool's own headers first: the signature and content type are ours and cannot be overridden,
    // and the connection's own (host, framing) are not the tool's to set.
    ...Object.fromEntries(Object.entries(toolHeaders(tool)).filter(([k]) => !CONNECTION_HEADERS.has(k.toLowerCase()))),
    "content-type": "application/json",
    "user-agent": "Flowgate-Tools/1",
    "x-flowgate-run-id": o.runId,
    "x-flowgate-tool": tool.name,
    ...signWebhook(o.secrets, o.callId || newId.request(), new Date(), body),
  };
  try {
    const res = await postPinned(url, pinned, headers, body, env.TOOL_TIMEOUT_MS, { keepChars: MAX_TOOL_ANSWER_CHARS, signal: o.signal });
    if (res.status < 200 || res.status >= 300)
      return {
        output: `Tool error (http_${res.status}): ${boundAnswer(res.body.slice(0, 2_000))}`,
        error: `http_${res.status}`,
        latencyMs: ms(),
      };
    return { output: boundAnswer(res.body, res.truncated), error: null, latencyMs: ms() };
  } catch (e) {
    if (o.signal.aborted) return toolError("canceled", "the run ended before the tool answered", ms());
    if (e instanceof NoAnswerError) return toolError("timeout", `no answer within ${env.TOOL_TIMEOUT_MS} ms`, ms());
    return toolError("unreachable", "the tool could not be reached", ms());
  }
}
