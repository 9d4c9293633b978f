import { bigint, index, integer, jsonb, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { orgs } from "./orgs";
import { workflows, workflowVersions } from "./workflows";

// Labels are movable pointers from a name to one version of a workflow: `production` (what the
// API runs by default; kept in lockstep with workflows.published_version_id), `latest` (moved on
// every publish) and custom ones (`staging`, …) moved by admins. Written only by
// lib/workflows/set-label.ts, under the workflow row lock.
//
// A label may split traffic between versions (A/B: `production` v3 90 %, v4 10 %): `split` lists
// the arms and `version_id` stays the arm with the largest weight, so everything that reads one
// version per label (published_version_id, describe, export) keeps working.
export const workflowLabels = pgTable(
  "workflow_labels",
  {
    workflowId: text("workflow_id")
      .notNull()
      .references(() => workflows.id, { onDelete: "cascade" }),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    versionId: text("version_id")
      .notNull()
      .references(() => workflowVersions.id, { onDelete: "cascade" }),
    /** null → the label is one version; else its arms, by version ascending, weights summing to SPLIT_BUCKETS. */
    split: jsonb("split").$type<SplitArm[]>(),
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
    workflowId: text("workflow_id")
      .notNull()
      .references(() => workflows.id, { onDelete: "cascade" }),
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    label: text("label").notNull(),
    /** Version numbers (immutable per workflow); null → the label did not exist / was removed. */
    fromVersion: integer("from_version"),
    toVersion: integer("to_version"),
    /** The split before and after the move (null → a single version). */
    fromSplit: jsonb("from_split").$type<SplitArm[]>(),
    toSplit: jsonb("to_split").$type<SplitArm[]>(),
    /** The dashboard user; null → the system (CLI, first-run seed, migration backfill). */
    actorId: text("actor_id"),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("workflow_label_history_workflow_idx").on(t.workflowId, t.id)],
);

/** Buckets a split divides its users into (0..9999): weights are in hundredths of a percent. */
export const SPLIT_BUCKETS = 10_000;
/** One arm of a split label: a version (id and number, both immutable) and its share of the buckets. */
export type SplitArm = { version_id: string; version: number; weight: number };

export type WorkflowLabel = typeof workflowLabels.$inferSelect;
export type WorkflowLabelHistoryEntry = typeof workflowLabelHistory.$inferSelect;
