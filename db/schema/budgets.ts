import { bigint, index, integer, pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";
import { apiKeys } from "./api-keys";
import { orgs } from "./orgs";
import { workflows } from "./workflows";

// Spend governance (lib/budgets, lib/credits/README.md "Budgets"): an org's budgets, what each
// subject used in each period, and the alerts sent. Usage moves only in the run's reservation and
// settlement statements (db/queries/run-ledger.ts), under the org row's lock.

/** Whose spending a budget counts: the whole org, or each workflow, key or end user separately. */
export const BUDGET_SCOPES = ["org", "workflow", "key", "end_user"] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];
/** UTC day or UTC month: the budget starts from zero when the next one starts. */
export const BUDGET_PERIODS = ["day", "month"] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];
/** Most budgets one org may have (checked at creation, under the org row's lock). */
export const MAX_BUDGETS_PER_ORG = 50;

export const budgets = pgTable(
  "budgets",
  {
    id: text("id").primaryKey(), // bud_…
    orgId: text("org_id")
      .notNull()
      .references(() => orgs.id, { onDelete: "cascade" }),
    name: text("name"),
    scope: text("scope", { enum: BUDGET_SCOPES }).notNull(),
    /** Most credits a subject may hold or spend per period. */
    credits: bigint("credits", { mode: "number" }).notNull(),
    period: text("period", { enum: BUDGET_PERIODS }).notNull(),
    /** Only runs of this workflow / through this key count (null: any). */
    workflowId: text("workflow_id").references(() => workflows.id, { onDelete: "cascade" }),
    apiKeyId: text("api_key_id").references(() => apiKeys.id, { onDelete: "cascade" }),
    /** Percentages of `credits`: crossing each sends budget.threshold (and a mail) once per period and subject. */
    alertAt: integer("alert_at").array().notNull().default([]),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("budgets_org_id_idx").on(t.orgId)],
);
export type Budget = typeof budgets.$inferSelect;

/**
 * One budget's counter for one period and one subject ('' for an org budget; the workflow id, key
 * id or end user otherwise). `used`: what its runs hold or spent (the cap); `spent`: what settled
 * runs were charged (the alerts, the dashboard).
 */
export const budgetUsage = pgTable(
  "budget_usage",
  {
    budgetId: text("budget_id")
      .notNull()
      .references(() => budgets.id, { onDelete: "cascade" }),
    periodStart: timestamp("period_start", { withTimezone: true }).notNull(),
    subject: text("subject").notNull(),
    used: bigint("used", { mode: "number" }).notNull().default(0),
    spent: bigint("spent", { mode: "number" }).notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.budgetId, t.periodStart, t.subject] }),
    index("budget_usage_top_idx").on(t.budgetId, t.periodStart, t.spent),
  ],
);
export type BudgetUsage = typeof budgetUsage.$inferSelect;

/** Thresholds crossed: the primary key makes each alert once per budget, period, subject and threshold. */
export const budgetAlerts = pgTable(
  "budget_alerts",
  {
    budgetId: text("budget_id")
      .notNull()
      .references(() => budgets.id, { onDelete: "cascade" }),
    periodStart: timestamp("period_start", { withTimezone: true }).notNull(),
    subject: text("subject").notNull(),
    threshold: integer("threshold").notNull(),
    spent: bigint("spent", { mode: "number" }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.budgetId, t.periodStart, t.subject, t.threshold] })],
);

/** What a run's reservation counted against (runs.budget_keys): budget, period start (ISO), subject. */
export type BudgetKey = { b: string; p: string; s: string };
