import { boolean, index, integer, jsonb, pgTable, real, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { orgs } from "./orgs";

/**
 * Per-variable metadata authored in the dashboard; the names themselves come from the template.
 * `type` (absent: text) and an enum's `values` are lib/workflows/variable-types.ts's.
 */
export type VariableMeta = {
  name: string;
  description?: string;
  example?: string;
  type?: "text" | "number" | "boolean" | "enum" | "json" | "image";
  values?: string[];
};

/**
 * A tool the model may call, as stored (validated by lib/workflows/tools.ts, which checks it
 * matches this shape). `headers` values are sealed at rest, never plain text.
 */
type ToolSchema = Record<string, unknown>;
export type WorkflowTool =
  | { type: "function"; name: string; description: string; parameters: ToolSchema }
  | { type: "http"; name: string; description: string; parameters: ToolSchema; url: string; headers?: Record<string, string> }
  | {
      type: "mcp";
      server_url: string;
      headers?: Record<string, string>;
      allowed_tools?: string[];
      snapshot?: { name: string; description: string; parameters: ToolSchema }[];
    };

// The editable draft. Runs never read it directly: they run an immutable version.
export const workflows = pgTable(
  "workflows",
  {
    id: text("id").primaryKey(), // wf_…
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** Requests per minute per end user of its runs (a stream token's user, a run body's `user`); null → none. A setting, not versioned. */
    endUserRateLimitPerMinute: integer("end_user_rate_limit_per_minute"),
    description: text("description").notNull().default(""),
    system: text("system").notNull().default(""),
    template: text("template").notNull(),
    variables: jsonb("variables").$type<VariableMeta[]>().notNull().default([]),
    model: text("model").notNull(),
    temperature: real("temperature"),
    maxOutputTokens: integer("max_output_tokens").notNull().default(1024),
    webSearch: boolean("web_search").notNull().default(false),
    /** Tried in order when the model (after its retries) fails before its first token. */
    fallbackModels: text("fallback_models").array().notNull().default([]),
    /** Calls per model before moving on to the next one (retries on 408/409/429/5xx, timeouts, connection errors). */
    maxAttempts: integer("max_attempts").notNull().default(3),
    /** Structured output: the JSON Schema the model's answer must match; null → free text. */
    outputSchema: jsonb("output_schema").$type<Record<string, unknown>>(),
    /** Tools the model may call (lib/workflows/tools.ts); header values sealed at rest. */
    tools: jsonb("tools").$type<WorkflowTool[]>().notNull().default([]),
    /** Model calls per run (server tools loop up to this many); 1 → no loop. */
    maxSteps: integer("max_steps").notNull().default(1),
    /** The version the API runs; null → unpublished (404 to the API). */
    publishedVersionId: text("published_version_id"),
    archivedAt: timestamp("archived_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("workflows_org_id_idx").on(t.orgId, t.createdAt)],
);

export const workflowVersions = pgTable(
  "workflow_versions",
  {
    id: text("id").primaryKey(), // wfv_…
    workflowId: text("workflow_id")
      .notNull()
      .references(() => workflows.id, { onDelete: "cascade" }),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    system: text("system").notNull(),
    template: text("template").notNull(),
    variables: jsonb("variables").$type<VariableMeta[]>().notNull(),
    model: text("model").notNull(),
    temperature: real("temperature"),
    maxOutputTokens: integer("max_output_tokens").notNull(),
    webSearch: boolean("web_search").notNull(),
    /** Tried in order when the model (after its retries) fails before its first token. */
    fallbackModels: text("fallback_models").array().notNull().default([]),
    /** Calls per model before moving on to the next one (retries on 408/409/429/5xx, timeouts, connection errors). */
    maxAttempts: integer("max_attempts").notNull().default(3),
    outputSchema: jsonb("output_schema").$type<Record<string, unknown>>(),
    tools: jsonb("tools").$type<WorkflowTool[]>().notNull().default([]),
    maxSteps: integer("max_steps").notNull().default(1),
    note: text("note").notNull().default(""),
    createdBy: text("created_by"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("workflow_versions_workflow_version_idx").on(t.workflowId, t.version)],
);

export type Workflow = typeof workflows.$inferSelect;
export type WorkflowVersion = typeof workflowVersions.$inferSelect;
