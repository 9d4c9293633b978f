"use server";

import { z } from "zod";
import { orgAction } from "@/lib/auth/org-action";
import { currentUserId } from "@/lib/auth/current-user";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { workflowContent } from "@/lib/workflows/schemas";
import { archiveWorkflow } from "@/lib/workflows/update-draft";
import { defaultModelId } from "@/lib/llm/registry";
import { parseWorkflowDocument } from "@/lib/workflows/export-import/document";
import { importWorkflow } from "@/lib/workflows/export-import/import-workflow";
import { org, wf } from "@/app/dashboard/action-inputs";

// The workflows page: create, import and archive workflows (admins).
// Each call re-resolves the session and the membership of the org it names (orgAction).

export const createWorkflowAction = orgAction(
  { role: "admin", currentUserId, input: workflowContent.pick({ name: true, template: true }).extend(org) },
  ({ input, actor }) => createWorkflow({ orgId: actor.orgId, name: input.name, template: input.template, actorId: actor.userId }),
);

export const archiveAction = orgAction({ role: "admin", currentUserId, input: z.object(wf) }, ({ input, actor }) =>
  archiveWorkflow({ orgId: actor.orgId, workflowId: input.workflowId, actorId: actor.userId }),
);

export const importWorkflowAction = orgAction(
  {
    role: "admin",
    currentUserId,
    input: z.object({
      ...org,
      document: z.string().max(1_000_000, "The document is over 1 MB: import it with `npm run admin -- workflow import`"),
      draftOnly: z.boolean(),
    }),
  },
  ({ input, actor }) =>
    importWorkflow({
      orgId: actor.orgId,
      doc: parseWorkflowDocument(input.document, defaultModelId()),
      draftOnly: input.draftOnly,
      actorId: actor.userId,
    }),
);
