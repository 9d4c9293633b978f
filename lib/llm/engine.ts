import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4Prompt } from "@ai-sdk/provider";
import { redact } from "@/lib/logger";

// The run engine: one pass over the model's doStream() parts. Not streamText: measured on this
// machine it costs ~10 ms CPU per short stream and collapses past ~50 streams/s inside Next,
// while doStream() is 3-4x cheaper. Consumers get callbacks (the stream endpoint forwards each
// delta; /run only collects) and one final result.

export type EngineUsage = { inputTokens: number; outputTokens: number };
export type EngineFailure = {
  code: "upstream_error" | "timeout" | "canceled" | "output_invalid";
  message: string;
  /** What the provider threw (status, headers): lib/llm/call-with-retries.ts decides on retries from it. */
  cause?: unknown;
};

/** A function call the model made (issue 31: tools). `input` is the JSON text of its arguments, as the provider sent it. */
export type EngineToolCall = { toolCallId: string; toolName: string; input: string };

export type EngineResult = {
  text: string;
  /** The client-executed tool calls the model made this call, in order ([] when none). Provider-executed ones (web search) are not here. */
  toolCalls: EngineToolCall[];
  citations: string[];
  usage: EngineUsage;
  /** True when usage came from the provider's finish part, false when we counted deltas. */
  usageReported: boolean;
  finishReason: string;
  error?: EngineFailure;
  firstTokenMs?: number;
};

export type EngineHandlers = {
  /** The model call is about to be sent (once per run, before its first attempt). */
  onDispatch?: () => void;
  onText?: (delta: string, index: number) => void;
  onSource?: (url: string, title?: string) => void;
  /** A tool call's arguments start streaming (id = its toolCallId), then arrive as JSON text deltas. */
  onToolInputStart?: (id: string, toolName: string) => void;
  onToolInputDelta?: (id: string, delta: string) => void;
  /** A tool call is complete (its arguments whole). */
  onToolCall?: (call: EngineToolCall) => void;
};

/**
 * A call's progress as it goes, for whoever persists it: the output so far, and once the provider
 * has the prompt (doStream() resolved) `sent` with the input it is charged when no count comes
 * (`model`: the fallback plan's model being called, set by call-with-retries.ts).
 */
export type CallProgress = { text: string; outputTokens: number; sent?: boolean; inputTokens?: number; model?: string };

export type EngineCall = {
  model: LanguageModelV4;
  prompt: LanguageModelV4Prompt;
  maxOutputTokens: number;
  temperature?: number | null;
  tools?: LanguageModelV4CallOptions["tools"];
  /** How the model must use the tools (the OpenAI surface's `tool_choice`); default auto. */
  toolChoice?: LanguageModelV4CallOptions["toolChoice"];
  /** Provider settings the caller chose (the OpenAI surface's `parallel_tool_calls`). */
  providerOptions?: LanguageModelV4CallOptions["providerOptions"];
  /** Structured output: the JSON Schema the answer must match. */
  responseFormat?: LanguageModelV4CallOptions["responseFormat"];
  signal: AbortSignal;
  /**
   * The input charged when the provider reports no count: in its finish part, or at all (a run
   * that ends early once the provider has the prompt — see `sent` in runEngine).
   */
  inputTokensEstimate: number;
  /** Kept current as deltas arrive (the active-runs registry persists it: "result so far"). */
  progress?: CallProgress;
  /** This call was sent before its run was reserved (lib/runs/early-dispatch.ts): the engine reads it instead of calling. */
  early?: EarlyCall;
};

/**
 * A model call already on its way: doStream() called with `streamOptions` of the same call, under
 * its own abort, which the engine ties to the call's signal when it takes it over.
 */
export type EarlyCall = {
  model: LanguageModelV4;
  maxOutputTokens: number;
  response: Promise<Awaited<ReturnType<LanguageModelV4["doStream"]>>>;
  signal: AbortSignal;
  abort: (reason?: unknown) => void;
};

/** What the provider is asked: one place, so that a call sent early asks exactly what the engine would. */
export function streamOptions(
  call: Pick<EngineCall, "prompt" | "maxOutputTokens" | "temperature" | "tools" | "toolChoice" | "providerOptions" | "responseFormat">,
  abortSignal: AbortSignal,
): LanguageModelV4CallOptions {
  return {
    prompt: call.prompt,
    maxOutputTokens: call.maxOutputTokens,
    temperature: call.temperature ?? undefined,
    tools: call.tools,
    toolChoice: call.tools?.length ? call.toolChoice : undefined,
    providerOptions: call.providerOptions,
    responseFormat: call.responseFormat,
    abortSignal,
  };
}

export async function runEngine(call: EngineCall, h: EngineHandlers = {}): Promise<EngineResult> {
  const started = performance.now();
  let text = "";
  let deltas = 0;
  const citations: string[] = [];
  const toolCalls: EngineToolCall[] = [];
  const clientToolInputs = new Set<string>();
  let usage: EngineUsage | undefined;
  let finishReason = "unknown";
  let firstTokenMs: number | undefined;
  let error: EngineFailure | undefined;
  // The provider bills a prompt it accepted, whether or not the run gets to its finish part: once
  // doStream() has resolved (the request was sent and answered with a stream) a run that ends
  // early (client gone, canceled, upstream dropped) still pays its input. Before that it pays
  // nothing: the request was refused (an HTTP error rejects doStream) or never sent.
  let sent = false;

  try {
    // Aborted while waiting for credits or a slot: the request is never sent.
    call.signal.throwIfAborted();
    const early = call.early;
    // A call sent early ends with this one: its abort follows the call's signal (cancel, timeout, disconnect).
    if (early) call.signal.addEventListener("abort", () => early.abort(call.signal.reason), { once: true });
    const { stream } = await (early ? early.response : call.model.doStream(streamOptions(call, call.signal)));
    sent = true;
    if (call.progress) {
      call.progress.sent = true;
      call.progress.inputTokens = call.inputTokensEstimate;
    }
    const reader = stream.getReader();
    try {
      for (;;) {
        const { value: part, done } = await reader.read();
        if (done) break;
        switch (part.type) {
          case "text-delta":
            if (!part.delta) break;
            if (firstTokenMs === undefined) firstTokenMs = Math.round(performance.now() - started);
            text += part.delta;
            // Counted outside the optional call: `h.onText?.(d, deltas++)` skips the increment when
            // there is no handler (/run), which billed a canceled /run for zero tokens.
            deltas++;
            if (call.progress) {
              call.progress.text = text;
              call.progress.outputTokens = deltas;
            }
            h.onText?.(part.delta, deltas - 1);
            break;
          case "source":
            if (part.sourceType === "url" && !citations.includes(part.url)) {
              citations.push(part.url);
              h.onSource?.(part.url, part.title);
            }
            break;
          case "text-end":
            for (const c of part.citations ?? []) {
              const url = (c as { source?: { url?: string } }).source?.url;
              if (url && !citations.includes(url)) {
                citations.push(url);
                h.onSource?.(url);
              }
            }
            break;
          case "tool-input-start":
            if (part.providerExecuted) break;
            // A tool call's start reaches the client like a first token: no retry after it.
            if (firstTokenMs === undefined) firstTokenMs = Math.round(performance.now() - started);
            clientToolInputs.add(part.id);
            h.onToolInputStart?.(part.id, part.toolName);
            break;
          case "tool-input-delta":
            if (clientToolInputs.has(part.id)) h.onToolInputDelta?.(part.id, part.delta);
            break;
          case "tool-call":
            if (part.providerExecuted) break;
            if (firstTokenMs === undefined) firstTokenMs = Math.round(performance.now() - started);
            toolCalls.push({ toolCallId: part.toolCallId, toolName: part.toolName, input: part.input });
            h.onToolCall?.(toolCalls[toolCalls.length - 1]!);
            break;
          case "finish":
            finishReason = part.finishReason.unified;
            usage = {
              inputTokens: part.usage.inputTokens.total ?? call.inputTokensEstimate,
              outputTokens: part.usage.outputTokens.total ?? deltas,
            };
            break;
          case "error":
            error = classify(part.error, call.signal);
            break;
        }
        if (error) break;
      }
    } finally {
      reader.releaseLock();
      if (error || call.signal.aborted) await stream.cancel().catch(() => {});
    }
    if (!error && call.signal.aborted) error = classify(call.signal.reason, call.signal);
    if (!error && !usage) error = { code: "upstream_error", message: "The model stream ended without finishing" };
  } catch (e) {
    error = classify(e, call.signal);
  }

  return {
    text,
    toolCalls,
    citations,
    // Without a finish part we only know what we saw: the deltas, and the prompt's estimate if
    // the provider got it. Both fit the reservation (its input part is twice the estimate, and
    // no more deltas than the output tokens it granted are asked for).
    usage: usage ?? { inputTokens: sent ? call.inputTokensEstimate : 0, outputTokens: deltas },
    usageReported: usage !== undefined,
    finishReason: error ? (error.code === "canceled" ? "aborted" : "error") : finishReason,
    error,
    firstTokenMs,
  };
}

export class RunTimeoutError extends Error {
  constructor() {
    super("The run exceeded its maximum duration");
    this.name = "RunTimeoutError";
  }
}

/** Maps whatever ended a run to a code we store and report. Provider messages are kept for the run record only. */
function classify(e: unknown, signal: AbortSignal): EngineFailure {
  if (signal.aborted) {
    const reason = signal.reason;
    if (reason instanceof RunTimeoutError) return { code: "timeout", message: reason.message };
    return { code: "canceled", message: "The run was canceled" };
  }
  const err = e as { name?: string; message?: string; statusCode?: number };
  const status = typeof err?.statusCode === "number" ? ` (HTTP ${err.statusCode})` : "";
  // Upstream messages can quote credentials (a 401 naming the key): masked before they are stored.
  return { code: "upstream_error", message: redact(`Model call failed${status}: ${String(err?.message ?? e).slice(0, 500)}`), cause: e };
}
