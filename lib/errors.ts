// One error type for the whole app. Domain code throws AppError; only lib/api knows about HTTP.
// The messages of the documented codes are the API contract (docs/contract.md): do not reword them.

export const ERRORS = {
  invalid_request: { status: 400, message: "Invalid request" },
  unauthorized: { status: 401, message: "Unauthorized. Please provide a valid secret key." },
  invalid_billing: {
    status: 402,
    message: "No credits remaining. Please add credits to continue using the service.",
  },
  /** A budget (lib/credits/budgets.ts) refuses the run; the message names it. */
  budget_exceeded: { status: 402, message: "Budget exhausted for this period" },
  forbidden: { status: 403, message: "Forbidden" },
  /** An operator suspended the org (lib/operator): the message is "Organization suspended: <reason>". */
  org_suspended: { status: 403, message: "Organization suspended" },
  not_found: { status: 404, message: "Not found" },
  workflow_not_found: { status: 404, message: "Workflow not found" },
  run_not_found: { status: 404, message: "Run not found" },
  run_not_running: { status: 409, message: "Run is not running" },
  run_not_awaiting_tool_outputs: { status: 409, message: "Run is not waiting for tool outputs" },
  idempotency_key_in_use: { status: 409, message: "A request with this Idempotency-Key is still in progress: retry later" },
  payload_too_large: { status: 413, message: "Request body too large" },
  idempotency_key_reused: { status: 422, message: "This Idempotency-Key was used with a different request" },
  rate_limited: { status: 429, message: "Rate limit exceeded" },
  internal_server_error: { status: 500, message: "Failed to run workflow" },
  service_unavailable: { status: 503, message: "Service unavailable" },
} as const;

export type ErrorCode = keyof typeof ERRORS;

/**
 * An unexpected error's message, answered with `internal_server_error`. The seeds' endpoints
 * (/run, /stream, /token) keep their seed's "Failed to run workflow" (docs/contract.md, Error
 * bodies); elsewhere a run is not what failed.
 */
export const UNEXPECTED_ERROR_MESSAGE = "Internal server error";

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra fields added to the error body (the contract allows adding, never changing). */
  readonly extra: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, extra?: Record<string, unknown>) {
    super(message ?? ERRORS[code].message);
    this.name = "AppError";
    this.code = code;
    this.status = ERRORS[code].status;
    this.extra = extra;
  }
}

/** The 403 every API route answers for a key, stream token or user of a suspended org (lib/operator). */
export function orgSuspendedError(reason: string) {
  return new AppError("org_suspended", `Organization suspended: ${reason}`);
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}
