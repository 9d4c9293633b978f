export const dynamic = "force-dynamic";

// PATCH /api/v1/budgets/:budget_id – change a budget's amount, name or alerts (admin keys)
// DELETE /api/v1/budgets/:budget_id – delete a budget (admin keys)
export { updateBudgetRoute as PATCH, deleteBudgetRoute as DELETE } from "@/lib/api/endpoints/budgets";
