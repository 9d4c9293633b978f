import { createBudgetBody, budgetResponse, deleteBudgetResponse, listBudgetsResponse, updateBudgetBody } from "@/lib/budgets/schemas";
import { createBudget, deleteBudget, listBudgets, updateBudget } from "@/lib/budgets/manage-budgets";
import { apiRoute } from "../route";
import { AUTHED, IDEMPOTENCY_ERRORS, IDEMPOTENCY_HEADER } from "../route-doc";

// Budgets through the management API (admin keys): hard caps on what the org, a workflow, a key or
// each end user may spend per UTC day or month, with alerts (lib/credits/README.md, "Budgets").

const ADMIN = { auth: "apiKey", needs: "admin" } as const;
const BUDGET_ID = { budget_id: { description: "The budget's id (bud_…).", example: "bud_abc123" } };

// GET /api/v1/budgets – the org's budgets with this period's usage
export const listBudgetsRoute = apiRoute(
  {
    ...ADMIN,
    method: "GET",
    path: "/api/v1/budgets",
    response: listBudgetsResponse,
    doc: {
      operationId: "listBudgets",
      tag: "Budgets",
      summary: "List the org's budgets and their usage this period (admin keys)",
      ok: { description: "Budgets, oldest first, each with its current period's spend, what runs in flight hold and its top subjects." },
      errors: [...AUTHED],
    },
  },
  async ({ ctx }) => ({ success: true as const, budgets: await listBudgets(ctx.principal.orgId) }),
);

// POST /api/v1/budgets – a new budget
export const createBudgetRoute = apiRoute(
  {
    ...ADMIN,
    method: "POST",
    path: "/api/v1/budgets",
    idempotent: {},
    body: createBudgetBody,
    response: budgetResponse,
    doc: {
      operationId: "createBudget",
      tag: "Budgets",
      summary: "Create a budget (admin keys)",
      description:
        "A hard cap: every run it applies to is reserved against it in the same statement as the balance, and a run it cannot pay for " +
        "gets 402 budget_exceeded. scope end_user counts each end user (a stream token's user, else the body's user) separately. " +
        "At most 50 budgets per org.",
      headerParams: [IDEMPOTENCY_HEADER],
      body: {
        description: "The budget.",
        examples: {
          endUser: {
            summary: "60 credits per end user per day",
            value: { scope: "end_user", credits: 60, period: "day", alert_at: [50, 80, 100] },
          },
        },
      },
      ok: { description: "The budget as saved." },
      errors: ["invalid_request", ...AUTHED, ...IDEMPOTENCY_ERRORS],
    },
  },
  async ({ ctx, body }) => ({
    success: true as const,
    budget: await createBudget({ orgId: ctx.principal.orgId, actorId: ctx.principal.keyId }, body),
  }),
);

// PATCH /api/v1/budgets/:budget_id – change its amount, name or alerts
export const updateBudgetRoute = apiRoute(
  {
    ...ADMIN,
    method: "PATCH",
    path: "/api/v1/budgets/{budget_id}",
    idempotent: {},
    body: updateBudgetBody,
    response: budgetResponse,
    doc: {
      operationId: "updateBudget",
      tag: "Budgets",
      summary: "Change a budget's amount, name or alerts (admin keys)",
      pathParams: BUDGET_ID,
      headerParams: [IDEMPOTENCY_HEADER],
      body: { description: "The fields to change.", examples: { raise: { summary: "Raise it", value: { credits: 120 } } } },
      ok: { description: "The budget as saved." },
      errors: ["invalid_request", ...AUTHED, "not_found", ...IDEMPOTENCY_ERRORS],
    },
  },
  async ({ ctx, params, body }) => ({
    success: true as const,
    budget: await updateBudget({ orgId: ctx.principal.orgId, actorId: ctx.principal.keyId }, params.budget_id, body),
  }),
);

// DELETE /api/v1/budgets/:budget_id – remove a budget (runs in flight settle without it)
export const deleteBudgetRoute = apiRoute(
  {
    ...ADMIN,
    method: "DELETE",
    path: "/api/v1/budgets/{budget_id}",
    response: deleteBudgetResponse,
    doc: {
      operationId: "deleteBudget",
      tag: "Budgets",
      summary: "Delete a budget (admin keys)",
      pathParams: BUDGET_ID,
      ok: { description: "The id of the budget deleted." },
      errors: [...AUTHED, "not_found"],
    },
  },
  async ({ ctx, params }) => {
    await deleteBudget({ orgId: ctx.principal.orgId, actorId: ctx.principal.keyId }, params.budget_id);
    return { success: true as const, deleted: params.budget_id };
  },
);
