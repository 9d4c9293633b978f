import type { Span } from "@opentelemetry/api";
import { inSpan } from "./trace";

type ModelCall = { provider: string; modelId: string; maxOutputTokens: number; temperature?: number | null };
type ModelResult = {
  usage: { inputTokens: number; outputTokens: number };
  finishReason: string;
  firstTokenMs?: number;
  error?: { code: string };
};

/**
 * The model call as an OpenTelemetry GenAI client span ("chat gpt-4o-mini"): the request's model
 * and limits, then the usage, finish reason and time to first token. Prompts and completions are
 * never recorded (they are the customer's inputs and outputs).
 */
export function inModelCallSpan<R extends ModelResult>(call: ModelCall, fn: () => Promise<R>): Promise<R> {
  const system = call.provider.split(".")[0]!;
  const attributes = {
    "gen_ai.operation.name": "chat",
    "gen_ai.system": system,
    "gen_ai.provider.name": system,
    "gen_ai.request.model": call.modelId,
    "gen_ai.request.max_tokens": call.maxOutputTokens,
    ...(call.temperature != null ? { "gen_ai.request.temperature": call.temperature } : {}),
  };
  return inSpan(`chat ${call.modelId}`, attributes, async (span) => {
    const started = Date.now();
    const result = await fn();
    if (span) recordResult(span, result, started);
    return result;
  });
}

function recordResult(span: Span, r: ModelResult, started: number) {
  span.setAttributes({
    "gen_ai.usage.input_tokens": r.usage.inputTokens,
    "gen_ai.usage.output_tokens": r.usage.outputTokens,
    "gen_ai.response.finish_reasons": [r.finishReason],
  });
  if (r.firstTokenMs !== undefined) {
    span.setAttribute("gen_ai.response.time_to_first_token_ms", r.firstTokenMs);
    span.addEvent("gen_ai.first_token", {}, started + r.firstTokenMs);
  }
  if (r.error) span.setAttribute("error.type", r.error.code);
}
