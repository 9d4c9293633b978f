import { bigint, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const JOB_KINDS = ["run", "webhook", "run-event", "mail"] as const;
export type JobKind = (typeof JOB_KINDS)[number];

// The durable queue (lib/queue): any instance claims due jobs with FOR UPDATE SKIP LOCKED and
// holds each under a lease (`locked_until`); a job whose worker died is claimed again once its
// lease runs out. A job is deleted when done, or rescheduled (`run_at`) to be tried again.
export const jobs = pgTable(
  "jobs",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedAlwaysAsIdentity(),
    kind: text("kind", { enum: JOB_KINDS }).notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    runAt: timestamp("run_at", { withTimezone: true }).notNull().defaultNow(),
    lockedUntil: timestamp("locked_until", { withTimezone: true }),
    /** Claims so far (a retried webhook delivery backs off by it). */
    attempts: integer("attempts").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("jobs_kind_run_at_idx").on(t.kind, t.runAt)],
);

export type Job = typeof jobs.$inferSelect;
