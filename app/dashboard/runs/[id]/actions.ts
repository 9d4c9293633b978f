"use server";

import { z } from "zod";
import { orgAction } from "@/lib/auth/org-action";
import { currentUserId } from "@/lib/auth/current-user";
import { addCaseFromRun } from "@/lib/evals/cases";
import { org } from "@/app/dashboard/action-inputs";

// A run's page: add the run to its workflow's dataset (admins).
// Each call re-resolves the session and the membership of the org it names (orgAction).

export const addCaseFromRunAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...org, runId: z.string().min(1) }) },
  ({ input, actor }) => addCaseFromRun({ orgId: actor.orgId, runId: input.runId }),
);
