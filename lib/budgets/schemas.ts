import { z } from "zod";
import { BUDGET_PERIODS, BUDGET_SCOPES } from "@/db/schema";

// The management API's and the dashboard's budget shapes (lib/credits/README.md, "Budgets").

const alertAt = z
  .array(z.number().int().min(1).max(100))
  .max(10)
  .refine((a) => new Set(a).size === a.length, "must not repeat a percentage");

export const createBudgetBody = z
  .object({
    name: z.string().trim().min(1).max(100).nullable().optional(),
    scope: z.enum(BUDGET_SCOPES),
    credits: z.number().int().min(1).max(1_000_000_000_000),
    period: z.enum(BUDGET_PERIODS),
    workflow_id: z.string().max(100).nullable().optional(),
    api_key_id: z.string().max(100).nullable().optional(),
    alert_at: alertAt.optional(),
  })
  .strict();
export type CreateBudgetBody = z.infer<typeof createBudgetBody>;

/** What may change: the amount, its name and its alerts (scope, period and filters define the budget; delete and create another). */
export const updateBudgetBody = z
  .object({
    name: z.string().trim().min(1).max(100).nullable().optional(),
    credits: z.number().int().min(1).max(1_000_000_000_000).optional(),
    alert_at: alertAt.optional(),
  })
  .strict();
export type UpdateBudgetBody = z.infer<typeof updateBudgetBody>;

export const budgetSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  scope: z.enum(BUDGET_SCOPES),
  credits: z.number().int(),
  period: z.enum(BUDGET_PERIODS),
  workflow_id: z.string().nullable(),
  api_key_id: z.string().nullable(),
  alert_at: z.array(z.number().int()),
  created_at: z.string(),
  /** The current period (UTC): its start, what settled runs spent and what runs in flight hold, over every subject. */
  usage: z.object({
    period_start: z.string(),
    spent: z.number().int(),
    held: z.number().int(),
    /** For end_user (and per-workflow / per-key) budgets: the subjects that spent most this period. */
    top: z.array(z.object({ subject: z.string(), spent: z.number().int(), held: z.number().int() })),
  }),
});
export type BudgetView = z.infer<typeof budgetSchema>;

export const listBudgetsResponse = z.object({ success: z.literal(true), budgets: z.array(budgetSchema) });
export const budgetResponse = z.object({ success: z.literal(true), budget: budgetSchema });
export const deleteBudgetResponse = z.object({ success: z.literal(true), deleted: z.string() });
