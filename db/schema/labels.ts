import { bigint, index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { orgs } from "./orgs";
import { workflows, workflowVersions } from "./workflows";

// Labels are movable pointers from a name to one version of a workflow: `production` (what the
// API runs by default; kept in lockstep with workflows.published_version_id), `latest` (moved on
// every publish) and custom ones (`staging`, …) moved by admins. Written only by
// lib/workflows/set-label.ts, under the workflow row lock.
export const workflowLabels = pgTable(
  "workflow_labels",
  {
    workflowId: text("workflow_id").notNull().references(() => workflows.id, { onDelete: "cascade" }),
    orgId: text("org_id").notNull().references(() => orgs.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    versionId: text("version_id").notNull().references(() => workflowVersions.id, { onDelete: "cascade" }),
    updatedBy: text("updated_by"),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.workflowId, t.name] })],
);

// Every move of a label, append-only. Ordered by `id`, not `at`: moves of one workflow are
// serialized by its row lock and the identity value is drawn after the lock is taken, whereas
// now() is the start of a transaction that may have waited for the lock.
export const workflowLabelHistory = pgTable(
  "workflow_label_history",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    workflowId: text("workflow_id").notNull().references(() => workflows.id, { onDelete: "cascade" }),
    orgId: text("org_id").notNull().references(() => orgs.id, { onDelete: "cascade" }),
    label: text("label").notNull(),
    /** Version numbers (immutable per workflow); null → the label did not exist / was removed. */
    fromVersion: integer("from_version"),
    toVersion: integer("to_version"),
    /** The dashboard user; null → the system (CLI, first-run seed, migration backfill). */
    actorId: text("actor_id"),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("workflow_label_history_workflow_idx").on(t.workflowId, t.id)],
);

export type WorkflowLabel = typeof workflowLabels.$inferSelect;
export type WorkflowLabelHistoryEntry = typeof workflowLabelHistory.$inferSelect;
