import type { ErrorCode } from "@/lib/errors";

/** What a streaming response can be, besides JSON. */
export type StreamMedia = "text" | "sse" | "ui" | "data" | "openai";

/** The parts of an operation's documentation that its schemas cannot say (lib/api/openapi renders it). */
export type RouteDoc = {
  operationId: string;
  tag:
    | "Runs"
    | "Streaming"
    | "Tokens"
    | "Workflows"
    | "Sessions"
    | "Usage"
    | "OpenAI compatible"
    | "Management"
    | "Billing"
    | "Budgets"
    | "Meta";
  summary: string;
  description?: string;
  pathParams?: Record<string, { description: string; example: string }>;
  headerParams?: Array<{ name: string; description: string; example?: string }>;
  body?: { description: string; examples: Record<string, { summary: string; value: unknown }> };
  /** The 200 response: JSON (the route's response schema), a stream, or another document. */
  ok: { description: string; stream?: StreamMedia[]; cache?: string };
  /** Other non-error answers (e.g. 204). */
  otherResponses?: Record<number, string>;
  /** Error codes this operation can answer with (lib/errors.ts), and an example message where it varies. */
  errors: ErrorCode[];
  errorExamples?: Partial<Record<ErrorCode, string>>;
};

export const WORKFLOW_ID = { workflow_id: { description: "The workflow's id (wf_…), from the dashboard.", example: "wf_abc123" } };
export const RUN_ID = {
  run_id: { description: "A run id (run_…), from a /run response, x-run-id or a stream's metadata.", example: "run_abc123" },
};
/** Every authenticated operation may answer these (forbidden: a key used from an origin it does not allow; org_suspended: an operator suspended the org, lib/operator). */
export const AUTHED: ErrorCode[] = ["unauthorized", "forbidden", "org_suspended", "rate_limited", "internal_server_error"];
/** What a run can answer besides its result. */
export const RUN_ERRORS: ErrorCode[] = [
  "invalid_request",
  ...AUTHED,
  "invalid_billing",
  "budget_exceeded",
  "workflow_not_found",
  "payload_too_large",
];
/** Operations that honour Idempotency-Key: the header and the codes it adds. */
export const IDEMPOTENCY_HEADER = {
  name: "Idempotency-Key",
  description:
    "Up to 255 characters, kept 24 h per API key: a repeat of the same request gets the first answer again (the same run, charged once); " +
    "the same key with another request is a 422, a repeat while the first is still being answered waits for it (or a 409).",
  example: "4f1c2a9e-8d1b-4a51-9b0e-2f3c5d6e7a8b",
};
export const IDEMPOTENCY_ERRORS: ErrorCode[] = ["idempotency_key_in_use", "idempotency_key_reused"];
export const STORY = { story: "a story about a dog named charlie" };
