export const dynamic = "force-dynamic";

// GET /api/v1/budgets – the org's budgets with this period's usage (admin keys)
// POST /api/v1/budgets – a new budget (admin keys)
export { listBudgetsRoute as GET, createBudgetRoute as POST } from "@/lib/api/endpoints/budgets";
