import { APICallError } from "@ai-sdk/provider";
import type { RunAttempt } from "@/db/schema";
import { getEnv } from "@/lib/env";
import { RunTimeoutError, runEngine, type EngineCall, type EngineHandlers, type EngineResult } from "@/lib/llm/engine";
import { breakerAllows, breakerFailed, breakerReleased, breakerSucceeded } from "./circuit-breaker";
import type { ModelPlan, PlanStep } from "./fallback-plan";

// The attempt loop around the run engine: each model of the fallback plan (primary, then fallbacks) gets
// up to plan.maxAttempts calls. A call is retried only while nothing has reached the client: on
// a connection error, no first token within LLM_FIRST_TOKEN_TIMEOUT_MS, or HTTP 408/409/429/5xx,
// after an exponential backoff with jitter or the provider's Retry-After (up to
// LLM_RETRY_AFTER_MAX_S; longer → the next model). 400/401/403/404 are never retried (the next
// model is tried: another provider may take the request). Once a token was sent, the attempt's
// outcome is the run's, whatever it is.

export type PlannedCall = Omit<EngineCall, "model" | "tools"> & { plan: ModelPlan };

export type CallResult = EngineResult & {
  /** Every call made (or skipped by the breaker), in order. */
  attempts: RunAttempt[];
  /** The model of the last call: the one that answered, when one did. */
  model: string;
  /** When every call failed: why, and whether it was only capacity (rate limits, overload). */
  failure?: { reason: string; capacity: boolean; retryAfterS?: number };
};

type Classified = { errorClass: string; httpStatus: number | null; retryable: boolean; countsForBreaker: boolean; retryAfterMs?: number };

class FirstTokenTimeout extends Error {
  constructor(ms: number) {
    super(`No first token within ${ms} ms`);
    this.name = "FirstTokenTimeout";
  }
}

const CAPACITY = new Set(["rate_limited", "overloaded"]);
const BACKOFF_CAP_MS = 4000;

export async function callWithRetries(call: PlannedCall, h: EngineHandlers = {}): Promise<CallResult> {
  h.onDispatch?.();
  // A call sent before the run was reserved (lib/runs/early-dispatch.ts) is the first model's first
  // attempt when it asked exactly that; any other way it is dropped, and the attempt calls afresh.
  let early = call.early;
  const takeEarly = (step: PlanStep, n: number) => {
    const e = early;
    early = undefined;
    if (e && n === 1 && e.model === step.model && e.maxOutputTokens === call.maxOutputTokens && !e.signal.aborted) return e;
    e?.abort(new DOMException("superseded", "AbortError"));
    return undefined;
  };
  try {
    return await runPlan(call, h, takeEarly);
  } finally {
    takeEarly(call.plan.steps[0]!, 0);
  }
}

/** The plan's calls in order, each model up to its attempts (the loop the header describes). */
async function runPlan(
  call: PlannedCall,
  h: EngineHandlers,
  takeEarly: (step: PlanStep, n: number) => EngineCall["early"],
): Promise<CallResult> {
  const env = getEnv();
  const runStarted = performance.now();
  const attempts: RunAttempt[] = [];
  let last: { result: EngineResult; step: PlanStep; classified?: Classified } | undefined;
  let retryAfterS = 0;
  steps: for (const step of call.plan.steps) {
    for (let n = 1; n <= call.plan.maxAttempts; n++) {
      if (call.signal.aborted) break steps;
      if (!breakerAllows(step.provider)) {
        attempts.push(record(step, "skipped", { errorClass: "circuit_open", httpStatus: null }, 0));
        continue steps;
      }
      const t0 = performance.now();
      const { result, timedOut } = await attempt({ ...call, early: takeEarly(step, n) }, step, h, env.LLM_FIRST_TOKEN_TIMEOUT_MS);
      // The run's time to first token counts the calls (and waits) before this one.
      if (result.firstTokenMs !== undefined) result.firstTokenMs += Math.round(t0 - runStarted);
      const duration = Math.round(performance.now() - t0);
      if (!result.error) {
        breakerSucceeded(step.provider);
        attempts.push(record(step, "succeeded", null, duration, result));
        return { ...result, attempts, model: step.canonical };
      }
      const c =
        timedOut && !call.signal.aborted
          ? { errorClass: "first_token_timeout", httpStatus: null, retryable: true, countsForBreaker: true }
          : classify(result);
      last = { result, step, classified: c };
      attempts.push(record(step, "failed", c, duration, result));
      if (c.countsForBreaker) breakerFailed(step.provider);
      else if (c.errorClass === "canceled") breakerReleased(step.provider);
      else breakerSucceeded(step.provider); // it answered: alive
      // A token reached the client (or the run itself ended): this outcome is final.
      if (result.firstTokenMs !== undefined || call.signal.aborted) return finalResult(last, attempts, retryAfterS);
      if (c.retryAfterMs !== undefined) retryAfterS = Math.max(retryAfterS, Math.ceil(c.retryAfterMs / 1000));
      if (!c.retryable || n === call.plan.maxAttempts) continue steps;
      if (c.retryAfterMs !== undefined && c.retryAfterMs > env.LLM_RETRY_AFTER_MAX_S * 1000) continue steps;
      await sleep(c.retryAfterMs ?? backoff(n, env.LLM_RETRY_BASE_MS), call.signal);
    }
  }
  return finalResult(last, attempts, retryAfterS, call);
}

/** One call of one model, abandoned when no token arrived within the first-token limit. */
async function attempt(call: PlannedCall, step: PlanStep, h: EngineHandlers, firstTokenMs: number) {
  const ctl = new AbortController();
  // The run's own end (cancel, timeout) ends the attempt with the same reason, so it is classified as such.
  const forward = () => ctl.abort(call.signal.reason);
  call.signal.addEventListener("abort", forward, { once: true });
  const timer = setTimeout(() => ctl.abort(new FirstTokenTimeout(firstTokenMs)), firstTokenMs);
  if (call.progress) call.progress.model = step.canonical;
  const started = () => clearTimeout(timer);
  try {
    const result = await runEngine(
      { ...call, model: step.model, tools: step.tools, signal: ctl.signal },
      {
        onText: (delta, index) => {
          started();
          h.onText?.(delta, index);
        },
        onSource: (url, title) => {
          started();
          h.onSource?.(url, title);
        },
        onToolInputStart: (id, toolName) => {
          started();
          h.onToolInputStart?.(id, toolName);
        },
        onToolInputDelta: h.onToolInputDelta,
        onToolCall: (c) => {
          started();
          h.onToolCall?.(c);
        },
      },
    );
    return { result, timedOut: ctl.signal.reason instanceof FirstTokenTimeout };
  } finally {
    clearTimeout(timer);
    call.signal.removeEventListener("abort", forward);
  }
}

function finalResult(
  last: { result: EngineResult; step: PlanStep; classified?: Classified } | undefined,
  attempts: RunAttempt[],
  retryAfterS: number,
  call?: PlannedCall,
): CallResult {
  if (!last) {
    // Nothing was called: every model's breaker is open, or the run ended before the first call.
    const aborted = call?.signal.aborted;
    const error = aborted
      ? call!.signal.reason instanceof RunTimeoutError
        ? { code: "timeout" as const, message: "The run exceeded its maximum duration" }
        : { code: "canceled" as const, message: "The run was canceled" }
      : { code: "upstream_error" as const, message: "Every model's provider is failing (circuit open); try again shortly" };
    return {
      text: "",
      toolCalls: [],
      citations: [],
      usage: { inputTokens: 0, outputTokens: 0 },
      usageReported: false,
      finishReason: aborted ? "aborted" : "error",
      error,
      attempts,
      model: call?.plan.steps[0]?.canonical ?? "",
      failure: aborted ? undefined : { reason: "circuit_open", capacity: false },
    };
  }
  const failed = attempts.filter((a) => a.status !== "succeeded");
  const capacity = failed.length > 0 && failed.every((a) => a.error_class !== null && CAPACITY.has(a.error_class));
  const endedByRun = last.result.error?.code === "canceled" || last.result.error?.code === "timeout";
  const reason = endedByRun ? last.result.error!.code : (last.classified?.errorClass ?? "upstream_error");
  return {
    ...last.result,
    attempts,
    model: last.step.canonical,
    failure: { reason, capacity: capacity && !endedByRun, ...(capacity ? { retryAfterS: Math.max(1, retryAfterS) } : {}) },
  };
}

function record(
  step: PlanStep,
  status: RunAttempt["status"],
  c: Pick<Classified, "errorClass" | "httpStatus"> | null,
  durationMs: number,
  r?: EngineResult,
): RunAttempt {
  return {
    model: step.canonical,
    provider: step.provider,
    status,
    error_class: c?.errorClass ?? null,
    http_status: c?.httpStatus ?? null,
    duration_ms: durationMs,
    // A failed call's input counts only when the provider reported it (it billed it).
    input_tokens: r && (status === "succeeded" || r.usageReported) ? r.usage.inputTokens : 0,
    output_tokens: r?.usage.outputTokens ?? 0,
  };
}

function classify(result: EngineResult): Classified {
  const e = result.error!;
  if (e.code === "canceled" || e.code === "timeout")
    return { errorClass: e.code, httpStatus: null, retryable: false, countsForBreaker: false };
  const cause = e.cause;
  const status = APICallError.isInstance(cause) ? cause.statusCode : undefined;
  // A stream that broke after a 200 carries that 200: not an HTTP error.
  if (status !== undefined && status >= 400) {
    const retryAfterMs = APICallError.isInstance(cause) ? retryAfterOf(cause.responseHeaders) : undefined;
    const base = { httpStatus: status, retryAfterMs };
    if (status === 429) return { ...base, errorClass: "rate_limited", retryable: true, countsForBreaker: false };
    if (status === 503 || status === 529) return { ...base, errorClass: "overloaded", retryable: true, countsForBreaker: true };
    if (status === 408) return { ...base, errorClass: "timeout", retryable: true, countsForBreaker: true };
    if (status === 409) return { ...base, errorClass: "conflict", retryable: true, countsForBreaker: false };
    if (status >= 500) return { ...base, errorClass: "server_error", retryable: true, countsForBreaker: true };
    return { ...base, errorClass: "client_error", retryable: false, countsForBreaker: false };
  }
  // No HTTP status: the connection failed, or the stream broke or reported an error. A stream that
  // broke after tokens came is a provider that answers: it does not count towards the breaker (a
  // second of mid-stream errors under load would otherwise close a live provider for a cool-down).
  const connection =
    (APICallError.isInstance(cause) && status === undefined) || (cause instanceof TypeError && /fetch failed/i.test(cause.message));
  return {
    errorClass: connection ? "connection" : "stream_error",
    httpStatus: null,
    retryable: true,
    countsForBreaker: connection || result.firstTokenMs === undefined,
  };
}

/** Retry-After as providers send it: retry-after-ms (OpenAI), seconds, or an HTTP date. */
export function retryAfterOf(headers: Record<string, string> | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = Number(headers["retry-after-ms"]);
  if (headers["retry-after-ms"] && Number.isFinite(ms) && ms >= 0) return ms;
  const raw = headers["retry-after"];
  if (!raw) return undefined;
  if (/^\d+(\.\d+)?$/.test(raw.trim())) return Number(raw) * 1000;
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential with jitter: half of base × 2^(n-1) plus a random part of the other half, at most 4 s. */
function backoff(n: number, baseMs: number) {
  const ceiling = Math.min(BACKOFF_CAP_MS, baseMs * 2 ** (n - 1));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

function sleep(ms: number, signal: AbortSignal) {
  return new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
