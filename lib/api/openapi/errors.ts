import { z } from "zod";
import { ERRORS, type ErrorCode } from "@/lib/errors";

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

/**
 * The error envelope lib/api/respond.ts writes: the seed's flat { error, success: false, code }
 * plus request_id, and whatever fields the error carries (the contract adds fields, never changes).
 */
export const errorBody = z
  .looseObject({
    error: z.string().meta({ description: "Human-readable; the documented codes' messages are fixed (see examples)." }),
    success: z.literal(false),
    code: z.enum(ERROR_CODES as [ErrorCode, ...ErrorCode[]]),
    request_id: z.string().meta({ description: "Also the x-request-id header; quote it when reporting a problem." }),
    run_id: z.string().optional().meta({ description: "500 after a run was recorded." }),
    reason: z.string().optional().meta({
      description:
        "500: why the run failed (e.g. upstream_error, timeout). 402: key_credit_cap or token_max_credits when a cap, not the org balance, refused the run.",
    }),
    message: z
      .string()
      .optional()
      .meta({ description: "500: what to fix, when it is the workflow's setup (unknown model, no provider configured)." }),
    status: z.string().optional().meta({ description: "409 run_not_running: the run's status." }),
    billing_url: z.string().optional().meta({
      description:
        "402 invalid_billing, when the org's balance (not a cap) refused the run and the server's URL is configured (BETTER_AUTH_URL): the dashboard's Billing page, where credits are bought.",
    }),
  })
  .meta({ description: "Every error response of the API." });

/** Codes grouped by their HTTP status (in an envelope that may remap it), in the order ERRORS lists them. */
export function codesByStatus(
  codes: readonly ErrorCode[],
  statusOf: (code: ErrorCode) => number = (code) => ERRORS[code].status,
): Map<number, ErrorCode[]> {
  const out = new Map<number, ErrorCode[]>();
  for (const code of ERROR_CODES) {
    if (!codes.includes(code)) continue;
    const status = statusOf(code);
    out.set(status, [...(out.get(status) ?? []), code]);
  }
  return new Map([...out].sort(([a], [b]) => a - b));
}

/** The error body of the OpenAI-compatible operations (lib/transports/openai/error-envelope.ts): OpenAI's, so its SDKs raise typed errors. */
export const openaiErrorBody = z
  .object({
    error: z.looseObject({
      message: z.string(),
      type: z
        .string()
        .meta({ description: "invalid_request_error, insufficient_quota (no credits), requests (rate limited) or server_error." }),
      param: z.string().nullable().meta({ description: "The request field at fault, e.g. the template variable a 400 is about." }),
      code: z.string().nullable().meta({ description: "invalid_api_key, model_not_found, insufficient_quota, rate_limit_exceeded, …" }),
      request_id: z.string().meta({ description: "Also the x-request-id header." }),
    }),
  })
  .meta({ description: "Every error response of the OpenAI-compatible operations." });
