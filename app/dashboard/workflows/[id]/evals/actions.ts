"use server";

import { z } from "zod";
import { orgAction } from "@/lib/auth/org-action";
import { currentUserId } from "@/lib/auth/current-user";
import { createEvalCase, importEvalCases, removeEvalCase } from "@/lib/evals/cases";
import { MAX_IMPORT_BYTES } from "@/lib/evals/import-cases";
import { setRequirePassingEval } from "@/lib/evals/publish-gate";
import { queueEval } from "@/lib/evals/run-eval";
import { wf, version } from "@/app/dashboard/action-inputs";

// Datasets and evals: admins curate the dataset, flip the publish gate and run evals (which are
// charged to the org like playground runs).
// Each call re-resolves the session and the membership of the org it names (orgAction).

export const createEvalCaseAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, case: z.unknown() }) },
  ({ input, actor }) => createEvalCase({ orgId: actor.orgId, workflowId: input.workflowId, input: input.case }),
);

export const importEvalCasesAction = orgAction(
  {
    role: "admin",
    currentUserId,
    input: z.object({ ...wf, text: z.string().max(MAX_IMPORT_BYTES, "The file is over 1 MB: split it"), format: z.enum(["jsonl", "csv"]) }),
  },
  ({ input, actor }) => importEvalCases({ orgId: actor.orgId, workflowId: input.workflowId, text: input.text, format: input.format }),
);

export const removeEvalCaseAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, caseId: z.string().min(1) }) },
  ({ input, actor }) => removeEvalCase({ orgId: actor.orgId, workflowId: input.workflowId, caseId: input.caseId }),
);

export const runEvalAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, target: z.union([z.literal("draft"), version]) }) },
  ({ input, actor }) => queueEval({ orgId: actor.orgId, workflowId: input.workflowId, target: input.target, actorId: actor.userId }),
);

export const requirePassingEvalAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, required: z.boolean() }) },
  ({ input, actor }) => setRequirePassingEval({ orgId: actor.orgId, workflowId: input.workflowId, required: input.required }),
);
