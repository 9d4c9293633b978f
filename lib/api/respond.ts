import { AppError, isAppError } from "@/lib/errors";
import { logger } from "@/lib/logger";

/**
 * The contract's flat error body (docs/contract.md): { error, success: false, code } plus added
 * fields (request_id, and whatever the error carries, e.g. run_id). Unknown errors are logged under the request id and
 * answered with the generic 500; their message never reaches the client.
 */
export function errorResponse(e: unknown, requestId: string, headers: Headers): Response {
  let err: AppError;
  if (isAppError(e)) err = e;
  else {
    logger.error("unhandled error", { requestId, err: e });
    err = new AppError("internal_server_error");
  }
  if (err.status >= 500) logger.warn("request failed", { requestId, code: err.code, ...err.extra });
  const body: Record<string, unknown> = { error: err.message, success: false, code: err.code, ...err.extra, request_id: requestId };
  if (typeof err.extra?.retry_after === "number") headers.set("retry-after", String(err.extra.retry_after));
  if (err.code === "rate_limited") {
    const reset = Number(headers.get("x-ratelimit-reset"));
    if (reset) headers.set("retry-after", String(Math.max(1, reset - Math.floor(Date.now() / 1000))));
  }
  return Response.json(body, { status: err.status, headers });
}

