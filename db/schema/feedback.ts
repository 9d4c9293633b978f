import { index, pgTable, real, text, timestamp } from "drizzle-orm/pg-core";
import { apiKeys } from "./api-keys";
import { orgs } from "./orgs";
import { runs } from "./runs";
import { workflows } from "./workflows";

// End users' verdict on a run (POST /api/v1/runs/:id/feedback): one per run, the latest wins, so a
// thumbs-up changed to a thumbs-down counts once. workflow_id and version_id are copied from the
// run so a split's versions compare without joining every run.
export const runFeedback = pgTable(
  "run_feedback",
  {
    runId: text("run_id")
      .primaryKey()
      .references(() => runs.id, { onDelete: "cascade" }),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    workflowId: text("workflow_id")
      .notNull()
      .references(() => workflows.id, { onDelete: "cascade" }),
    /** -1 (bad) … 1 (good); thumbs are -1 and 1. */
    score: real("score").notNull(),
    comment: text("comment"),
    /** Who sent it: the key (directly, or through one of its stream tokens) and the token's end user. */
    apiKeyId: text("api_key_id").references(() => apiKeys.id, { onDelete: "set null" }),
    endUser: text("end_user"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("run_feedback_workflow_idx").on(t.workflowId, t.createdAt)],
);

export type RunFeedback = typeof runFeedback.$inferSelect;
