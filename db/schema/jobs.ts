import { bigint, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const JOB_KINDS = ["run", "webhook", "run-event", "auto-top-up", "eval", "mail", "budget-alert"] as const;
export type JobKind = (typeof JOB_KINDS)[number];

// The durable queue (lib/queue): any instance claims due jobs with FOR UPDATE SKIP LOCKED and
// holds each under a lease (`locked_until`); a job whose worker died is claimed again once its
// lease runs out. A job is deleted when done, or rescheduled (`run_at`) to be tried again. A job
// stays leased while its handler works on it, so the leased jobs are what holds the slots: a claim
// shares them out fairly between orgs (`org_id`) and caps a group (`group_key`, a webhook endpoint).
export const jobs = pgTable(
  "jobs",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    kind: text("kind", { enum: JOB_KINDS }).notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    runAt: timestamp("run_at", { withTimezone: true }).notNull().defaultNow(),
    lockedUntil: timestamp("locked_until", { withTimezone: true }),
    /** Whose job it is: claims take turns between orgs (db/queries/jobs.ts). Null: nobody's. */
    orgId: text("org_id"),
    /** Jobs of one group run at most a few at a time (a webhook endpoint's deliveries). Null: no group. */
    groupKey: text("group_key"),
    /** Claims so far (a retried webhook delivery backs off by it). */
    attempts: integer("attempts").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("jobs_kind_run_at_idx").on(t.kind, t.runAt), index("jobs_kind_org_id_idx").on(t.kind, t.orgId)],
);

export type Job = typeof jobs.$inferSelect;
