import { AppError } from "@/lib/errors";
import type { CallResult } from "@/lib/llm/call-with-retries";

/**
 * The 500 body's fields when a run failed before its first token: `reason` names the cause (the
 * last call's error class, e.g. rate_limited, overloaded, server_error, first_token_timeout,
 * connection, client_error, circuit_open) and, when every call was turned away for capacity,
 * `retry_after` (seconds) says when to come back.
 */
export function failureBody(result: CallResult): { reason: string; retry_after?: number } {
  const reason = result.failure?.reason ?? result.error?.code ?? "upstream_error";
  return result.failure?.capacity ? { reason, retry_after: result.failure.retryAfterS } : { reason };
}

/** A run whose model calls all failed before a token: the documented 500 naming it (docs/contract.md). */
export function runFailedError(runId: string, result: CallResult): AppError {
  return new AppError("internal_server_error", undefined, { run_id: runId, ...failureBody(result) });
}
