import { AppError, isAppError, UNEXPECTED_ERROR_MESSAGE } from "@/lib/errors";
import { logger } from "@/lib/logger";
import { configuredBaseUrl } from "@/lib/public-base-url";
import { openaiEnvelope } from "@/lib/transports/openai/error-envelope";

/** How an error is written: its status and body (headers may be added). */
export type ErrorEnvelope = (err: AppError, requestId: string, headers: Headers) => { status: number; body: unknown };

/**
 * The contract's flat error body (docs/contract.md): { error, success: false, code } plus added
 * fields (request_id, and whatever the error carries, e.g. run_id).
 */
const nativeEnvelope: ErrorEnvelope = (err, requestId) => ({
  status: err.status,
  body: { error: err.message, success: false, code: err.code, ...err.extra, request_id: requestId, ...billingLink(err) },
});

/**
 * The 402 for the org's balance (not a key's cap or a stream token's max_credits: those carry a
 * `reason`, and buying credits would not help) links to the dashboard's Billing page — when the
 * server knows its public URL (BETTER_AUTH_URL); an added field, the seed's stay as they are.
 */
function billingLink(err: AppError): { billing_url?: string } {
  if (err.code !== "invalid_billing" || err.extra?.reason !== undefined) return {};
  const base = configuredBaseUrl();
  return base ? { billing_url: `${base}/dashboard/billing` } : {};
}

/** The envelopes a route may choose (apiRoute's `errors`): the native API's, or OpenAI's for /api/v1/openai. */
export const ENVELOPES = { native: nativeEnvelope, openai: openaiEnvelope } as const;
export type EnvelopeName = keyof typeof ENVELOPES;

/**
 * Answers an error in the route's envelope. Unknown errors are logged under the request id and
 * answered with the generic 500 — on the seeds' endpoints (`seed`) the seed's own 500 body
 * (docs/contract.md) — and their message never reaches the client.
 */
export function errorResponse(e: unknown, requestId: string, headers: Headers, envelope: EnvelopeName = "native", seed = false): Response {
  let err: AppError;
  if (isAppError(e)) err = e;
  else {
    logger.error("unhandled error", { requestId, err: e });
    err = new AppError("internal_server_error", seed ? undefined : UNEXPECTED_ERROR_MESSAGE);
  }
  if (err.status >= 500) logger.warn("request failed", { requestId, code: err.code, ...err.extra });
  if (typeof err.extra?.retry_after === "number") headers.set("retry-after", String(err.extra.retry_after));
  if (err.code === "rate_limited" && typeof err.extra?.retry_after !== "number") {
    const reset = Number(headers.get("x-ratelimit-reset"));
    if (reset) headers.set("retry-after", String(Math.max(1, reset - Math.floor(Date.now() / 1000))));
  }
  const { status, body } = ENVELOPES[envelope](err, requestId, headers);
  return Response.json(body, { status, headers });
}
