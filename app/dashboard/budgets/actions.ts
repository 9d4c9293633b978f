"use server";

import { z } from "zod";
import { orgAction } from "@/lib/auth/org-action";
import { currentUserId } from "@/lib/auth/current-user";
import { createBudget, deleteBudget, updateBudget } from "@/lib/budgets/manage-budgets";
import { createBudgetBody, updateBudgetBody } from "@/lib/budgets/schemas";
import { org } from "@/app/dashboard/action-inputs";

// Budgets (admins): create, change the amount or alerts, delete — the management API's rules
// (lib/budgets/manage-budgets.ts), the user recorded as the actor in the audit log.
// Each call re-resolves the session and the membership of the org it names (orgAction).

const budget = { ...org, budgetId: z.string().min(1).max(100) };

export const createBudgetAction = orgAction(
  { role: "admin", currentUserId, input: createBudgetBody.extend(org) },
  ({ input: { orgId: _, ...input }, actor }) => createBudget({ orgId: actor.orgId, actorId: actor.userId }, input),
);

export const updateBudgetAction = orgAction(
  { role: "admin", currentUserId, input: updateBudgetBody.extend(budget) },
  ({ input: { orgId: _, budgetId, ...input }, actor }) => updateBudget({ orgId: actor.orgId, actorId: actor.userId }, budgetId, input),
);

export const deleteBudgetAction = orgAction({ role: "admin", currentUserId, input: z.object(budget) }, ({ input, actor }) =>
  deleteBudget({ orgId: actor.orgId, actorId: actor.userId }, input.budgetId),
);
