import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { orgs } from "./orgs";
import { runs } from "./runs";
import { workflows, workflowVersions } from "./workflows";

// Evals (lib/evals): a workflow's dataset of test cases, and eval runs of the draft or a version
// over it. Each case of an eval run is a real run (source `eval`), reserved and settled like any
// other, so the ledger needs nothing of its own here.

/** What a case checks in an output. Regexes run on RE2 (linear time): user patterns cannot backtrack. */
export type Expectation =
  | { type: "contains"; value: string; ignore_case?: boolean }
  | { type: "not_contains"; value: string; ignore_case?: boolean }
  | { type: "equals"; value: string }
  | { type: "regex"; pattern: string; ignore_case?: boolean }
  | { type: "max_output_tokens"; value: number }
  /** The output is valid against the evaluated version's output schema. */
  | { type: "matches_output_schema" }
  /** A judge model scores the output against the rubric (0..1); at least pass_score passes (lib/evals/judge.ts). */
  | { type: "judge"; rubric: string; model?: string; pass_score: number };

/** `score` and `reason`: a judge's answer, when it gave one. `run_id`: the judge's own (charged) run. */
export type CheckResult = { type: Expectation["type"]; ok: boolean; message: string; score?: number; reason?: string; run_id?: string };

export const evalCases = pgTable(
  "eval_cases",
  {
    id: text("id").primaryKey(), // evc_…
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    workflowId: text("workflow_id")
      .notNull()
      .references(() => workflows.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    inputs: jsonb("inputs").$type<Record<string, string>>().notNull(),
    expectations: jsonb("expectations").$type<Expectation[]>().notNull(),
    /** The run it was added from ("add to dataset"), if any. */
    sourceRunId: text("source_run_id").references(() => runs.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("eval_cases_workflow_idx").on(t.workflowId, t.createdAt)],
);

/** queued: waiting for a worker of the job queue (lib/queue); running; then completed or failed. */
export const EVAL_RUN_STATUSES = ["queued", "running", "completed", "failed"] as const;

export const evalRuns = pgTable(
  "eval_runs",
  {
    id: text("id").primaryKey(), // evr_…
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    workflowId: text("workflow_id")
      .notNull()
      .references(() => workflows.id, { onDelete: "cascade" }),
    /** null → the draft, as it was when the eval ran (its content hash says which draft). */
    versionId: text("version_id").references(() => workflowVersions.id, { onDelete: "cascade" }),
    version: integer("version"),
    /** SHA-256 of the content evaluated: the publish gate accepts an eval of exactly the draft being published. */
    contentHash: text("content_hash").notNull(),
    status: text("status", { enum: EVAL_RUN_STATUSES }).notNull().default("running"),
    cases: integer("cases").notNull().default(0),
    passed: integer("passed").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    creditsCharged: bigint("credits_charged", { mode: "number" }).notNull().default(0),
    /** Why a failed eval could not run (its version or draft went away, the dataset was emptied). */
    error: text("error"),
    createdBy: text("created_by"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("eval_runs_workflow_idx").on(t.workflowId, t.createdAt)],
);

export const evalResults = pgTable(
  "eval_results",
  {
    evalRunId: text("eval_run_id")
      .notNull()
      .references(() => evalRuns.id, { onDelete: "cascade" }),
    caseId: text("case_id")
      .notNull()
      .references(() => evalCases.id, { onDelete: "cascade" }),
    /** The run that produced the output; null when the case could not start (bad inputs, no credits). */
    runId: text("run_id").references(() => runs.id, { onDelete: "set null" }),
    passed: boolean("passed").notNull(),
    checks: jsonb("checks").$type<CheckResult[]>().notNull(),
    output: text("output").notNull().default(""),
    error: text("error"),
    outputTokens: integer("output_tokens").notNull().default(0),
    totalTokens: integer("total_tokens").notNull().default(0),
    latencyMs: integer("latency_ms"),
    creditsCharged: integer("credits_charged").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.evalRunId, t.caseId] })],
);

/** Per workflow: publishing requires a passing eval of the draft being published. */
export const evalSettings = pgTable("eval_settings", {
  workflowId: text("workflow_id")
    .primaryKey()
    .references(() => workflows.id, { onDelete: "cascade" }),
  orgId: text("org_id")
    .notNull()
    .references(() => orgs.id, { onDelete: "cascade" }),
  requirePassingEval: boolean("require_passing_eval").notNull().default(false),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

export type EvalCase = typeof evalCases.$inferSelect;
export type EvalRun = typeof evalRuns.$inferSelect;
export type EvalResult = typeof evalResults.$inferSelect;
