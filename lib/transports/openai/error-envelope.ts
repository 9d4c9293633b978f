import type { AppError, ErrorCode } from "@/lib/errors";

/**
 * OpenAI's error body, { error: { message, type, param, code } }, with the statuses the official
 * SDKs turn into their typed errors (400 BadRequestError, 401 AuthenticationError, 403
 * PermissionDeniedError, 404 NotFoundError, 429 RateLimitError, 5xx InternalServerError).
 * No credits is what OpenAI answers for an exhausted quota: 429 `insufficient_quota`, marked not
 * retryable (the SDKs retry other 429s after Retry-After, which our rate limit sets).
 */
const SHAPES: Record<ErrorCode, { status?: number; type: string; code: string | null }> = {
  invalid_request: { type: "invalid_request_error", code: null },
  unauthorized: { type: "invalid_request_error", code: "invalid_api_key" },
  invalid_billing: { status: 429, type: "insufficient_quota", code: "insufficient_quota" },
  budget_exceeded: { status: 429, type: "insufficient_quota", code: "budget_exceeded" },
  forbidden: { type: "invalid_request_error", code: "forbidden" },
  org_suspended: { type: "invalid_request_error", code: "org_suspended" },
  not_found: { type: "invalid_request_error", code: "not_found" },
  workflow_not_found: { type: "invalid_request_error", code: "model_not_found" },
  run_not_found: { type: "invalid_request_error", code: "not_found" },
  run_not_running: { type: "invalid_request_error", code: "conflict" },
  run_not_awaiting_tool_outputs: { type: "invalid_request_error", code: "conflict" },
  idempotency_key_in_use: { type: "invalid_request_error", code: "conflict" },
  idempotency_key_reused: { type: "invalid_request_error", code: "idempotency_key_reused" },
  payload_too_large: { type: "invalid_request_error", code: "request_too_large" },
  rate_limited: { type: "requests", code: "rate_limit_exceeded" },
  internal_server_error: { type: "server_error", code: null },
  service_unavailable: { type: "server_error", code: "service_unavailable" },
};

/** The template variable a run's 400 is about (resolveInputs' messages name it): OpenAI's `param`. */
const VARIABLE = /^(?:Missing required parameter|Invalid parameter): ([^\s]+)/;

export function openaiEnvelope(err: AppError, requestId: string, headers: Headers) {
  const shape = SHAPES[err.code];
  if (err.code === "invalid_billing") headers.set("x-should-retry", "false");
  // The native body's added fields (run_id, reason, a 500's hint) stay, inside the error object.
  const { param, message: hint, ...extra } = err.extra ?? {};
  return {
    status: shape.status ?? err.status,
    body: {
      error: {
        ...extra,
        message: typeof hint === "string" ? `${err.message}: ${hint}` : err.message,
        type: shape.type,
        param: typeof param === "string" ? param : (VARIABLE.exec(err.message)?.[1] ?? null),
        code: shape.code,
        request_id: requestId,
      },
    },
  };
}
