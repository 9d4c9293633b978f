import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";
import { apiKeys } from "./api-keys";
import type { BudgetKey } from "./budgets";
import { orgs } from "./orgs";
import { workflows, workflowVersions } from "./workflows";

// "queued": an async run (Prefer: respond-async), reserved and waiting for a queue worker (lib/runs/async-run.ts).
export const RUN_STATUSES = ["queued", "running", "completed", "failed", "canceled"] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const RUN_SOURCES = ["api", "stream", "playground", "openai", "eval"] as const;
export type RunSource = (typeof RUN_SOURCES)[number];

export type RunPrice = { input: number; output: number };
/** A client tool call a run ended with (issue 31): the caller runs it. `arguments`: JSON text as the model wrote it. */
export type RunToolCall = { id: string; name: string; arguments: string };
export type RunAttempt = {
  model: string;
  provider: string;
  status: "succeeded" | "failed" | "skipped";
  /** Why it failed: rate_limited, overloaded, server_error, timeout, connection, client_error, circuit_open, … */
  error_class: string | null;
  http_status: number | null;
  duration_ms: number;
  input_tokens: number;
  output_tokens: number;
};

/** One server tool call of a run's step (issue 31): what GET /runs/:id and the run page show. */
export type RunStepToolCall = {
  id: string;
  name: string;
  type: "http" | "mcp" | "function";
  /** The model's arguments, as JSON text (cut at 4,000 characters). */
  arguments: string;
  /** Bytes of the answer fed back to the model (after the 100 KB cut); 0 for a client tool. */
  answer_bytes: number;
  latency_ms: number;
  /** Why the call failed (the model was told): invalid_arguments, timeout, http_<status>, unreachable, … */
  error: string | null;
};

/** One model call of a multi-step run (a run whose version has tools or max_steps > 1). */
export type RunStep = {
  step: number;
  model: string;
  input_tokens: number;
  output_tokens: number;
  /** What this step is charged, at its model's reserved price. */
  credits: number;
  finish_reason: string;
  tool_calls: RunStepToolCall[];
};

/** What a run waiting for client tool outputs keeps to be continued (messages: the model prompt's JSON form). */
export type RunContinuation = { messages: unknown[]; tool_calls: Array<{ id: string; name: string; arguments: string }> };

/**
 * Why a run got its version when its label splits traffic: the label, the user's bucket
 * (0..9999; sticky per end user, drawn per request without one) and the split as it stood.
 */
export type RunAssignment = { label: string; bucket: number; by: "user" | "request"; split: string };

export const runs = pgTable(
  "runs",
  {
    id: text("id").primaryKey(), // run_…
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    workflowId: text("workflow_id")
      .notNull()
      .references(() => workflows.id, { onDelete: "cascade" }),
    versionId: text("version_id").references(() => workflowVersions.id, { onDelete: "set null" }),
    /** Set when a split label chose the version (lib/workflows/split-assignment.ts). */
    assignment: jsonb("assignment").$type<RunAssignment>(),
    apiKeyId: text("api_key_id").references(() => apiKeys.id, { onDelete: "set null" }),
    source: text("source", { enum: RUN_SOURCES }).notNull(),
    protocol: text("protocol"), // json | text | ui | sse
    status: text("status", { enum: RUN_STATUSES }).notNull().default("running"),
    model: text("model").notNull(),
    inputs: jsonb("inputs").$type<Record<string, string>>().notNull(),
    output: text("output").notNull().default(""),
    citations: jsonb("citations").$type<string[]>().notNull().default([]),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    totalTokens: integer("total_tokens").notNull().default(0),
    creditsReserved: integer("credits_reserved").notNull().default(0),
    creditsCharged: integer("credits_charged").notNull().default(0),
    /** Set when the run's key has a credit cap: the cap period its reservation counts against. */
    capPeriodStart: timestamp("cap_period_start", { withTimezone: true }),
    maxOutputTokens: integer("max_output_tokens"),
    /** The budget counters its reservation counted against (lib/credits/README.md, budgets); its settlement gives back to them. */
    budgetKeys: jsonb("budget_keys").$type<BudgetKey[]>(),
    /**
     * The price of each model the run may call, credits per 1M tokens, as reserved: the run settles
     * at these, and a later price change never touches it.
     */
    prices: jsonb("prices").$type<Record<string, RunPrice>>(),
    /** Every model call the run made (retries, fallbacks), in order. */
    attempts: jsonb("attempts").$type<RunAttempt[]>(),
    /**
     * The model calls of a run with tools, in order (null for a plain run): written when a step's
     * successor is reserved and before the settlement. The progress columns (sent_at, input and
     * output tokens) describe the step after the recorded ones (lib/credits/README.md, 12).
     */
    steps: jsonb("steps").$type<RunStep[]>(),
    /** Why a run with tools stopped: stop, tool_calls (client tools wait for the caller), max_steps, insufficient_credits. */
    stopReason: text("stop_reason"),
    /**
     * A run that stopped for client tool calls (stop_reason tool_calls): the conversation after its
     * rendered prompt (assistant tool calls, server tool results) and the calls the caller answers
     * with POST /runs/:id/tool_outputs, within TOOL_OUTPUTS_WINDOW_MS of its end.
     */
    continuation: jsonb("continuation").$type<RunContinuation>(),
    /** The run that answered this one's tool calls (set once: a second answer is refused). */
    continuedBy: text("continued_by"),
    /**
     * The client tool calls the run ended with (its turn ended for the caller to run them); null: none.
     * Not `continuation.tool_calls`: this is every run's (the OpenAI surface's caller-supplied tools
     * included, where there is no continuation) and only the client calls; the continuation keeps
     * every call of the last step, server ones beside a client one included, since each needs a result.
     */
    toolCalls: jsonb("tool_calls").$type<RunToolCall[]>(),
    errorCode: text("error_code"),
    errorMessage: text("error_message"),
    /** End-user attribution and conversation grouping (the SSE contract's session_id, docs/contract.md). */
    endUser: text("end_user"),
    sessionId: text("session_id"),
    /** Set by POST /runs/:id/cancel; the instance running it sees the flag and aborts the model call. */
    cancelRequestedAt: timestamp("cancel_requested_at", { withTimezone: true }),
    /** Written every few seconds by the instance running it: a run whose heartbeat stops is an orphan. */
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }),
    /**
     * The run's lease (lib/credits/README.md, orphans): its instance renews it through heartbeatAt;
     * the sweeper claims an expired one by bumping this fencing epoch (0 → 1) as it settles the
     * run provisionally, and the owner's later finish re-settles it once (1 → 2).
     */
    leaseEpoch: integer("lease_epoch").notNull().default(0),
    /** When the request reached the provider (doStream() resolved), and the model it was sent to: an orphan pays that input. */
    sentAt: timestamp("sent_at", { withTimezone: true }),
    sentModel: text("sent_model"),
    firstTokenMs: integer("first_token_ms"),
    latencyMs: integer("latency_ms"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    /** When the retention sweeper cleared the run's inputs and output (lib/retention), and the org's setting then. */
    redactedAt: timestamp("redacted_at", { withTimezone: true }),
    redactedAfterDays: integer("redacted_after_days"),
  },
  (t) => [
    index("runs_org_id_created_at_idx").on(t.orgId, t.createdAt),
    index("runs_workflow_id_idx").on(t.workflowId, t.createdAt),
    // The orphan sweeper scans only unfinished runs.
    index("runs_status_created_at_idx").on(t.status, t.createdAt),
    index("runs_org_end_user_idx").on(t.orgId, t.endUser),
    // The retention sweeper scans only finished runs it has not cleared yet.
    index("runs_retention_idx")
      .on(t.orgId, t.finishedAt)
      .where(sql`${t.redactedAt} IS NULL AND ${t.finishedAt} IS NOT NULL`),
  ],
);

export type Run = typeof runs.$inferSelect;
