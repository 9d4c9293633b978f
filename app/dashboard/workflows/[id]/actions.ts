"use server";

import { z } from "zod";
import { orgAction } from "@/lib/auth/org-action";
import { currentUserId } from "@/lib/auth/current-user";
import { getRunOrThrow, serializeRun } from "@/lib/runs/get-run";
import { moveLabel, rollbackProduction } from "@/lib/workflows/move-label";
import { parseSplitSpec, splitLabel } from "@/lib/workflows/split-label";
import { promoteLabel } from "@/lib/workflows/promote-label";
import { adoptIntoDraft } from "@/lib/workflows/adopt-into-draft";
import { publishVersion, unpublishWorkflow } from "@/lib/workflows/publish-version";
import { draftPatch, endUserRateLimitField } from "@/lib/workflows/schemas";
import { setWorkflowEndUserRateLimit } from "@/lib/workflows/end-user-rate-limit";
import { restoreVersionIntoDraft, updateDraft } from "@/lib/workflows/update-draft";
import { org, wf, version } from "@/app/dashboard/action-inputs";

// A workflow's page: its draft, versions, labels and splits (admins), and the playground's run summary (members).
// Each call re-resolves the session and the membership of the org it names (orgAction).

export const saveDraftAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, patch: draftPatch }) },
  ({ input, actor }) => updateDraft({ orgId: actor.orgId, workflowId: input.workflowId, patch: input.patch, actorId: actor.userId }),
);

// The workflow's per-end-user rate limit: a setting, not draft content (it applies at once, to every version).
export const setEndUserRateLimitAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, limit: endUserRateLimitField }) },
  ({ input, actor }) =>
    setWorkflowEndUserRateLimit({ orgId: actor.orgId, workflowId: input.workflowId, limit: input.limit, actorId: actor.userId }),
);

export const publishAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, note: z.string().max(500).default("") }) },
  ({ input, actor }) => publishVersion({ orgId: actor.orgId, workflowId: input.workflowId, note: input.note, actorId: actor.userId }),
);

export const unpublishAction = orgAction({ role: "admin", currentUserId, input: z.object(wf) }, ({ input, actor }) =>
  unpublishWorkflow({ orgId: actor.orgId, workflowId: input.workflowId, actorId: actor.userId }),
);

export const restoreVersionAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, version: z.number().int().positive() }) },
  ({ input, actor }) =>
    restoreVersionIntoDraft({ orgId: actor.orgId, workflowId: input.workflowId, version: input.version, actorId: actor.userId }),
);

// Labels: any label but `latest` (publishing owns it) may be created or moved; moving
// `production` changes what the API runs. Rollback is the guarded form: production, older only.
// Splitting a label is a label move too: admins only, audited.
export const moveLabelAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, label: z.string().min(1).max(40), version }) },
  ({ input, actor }) =>
    moveLabel({ orgId: actor.orgId, workflowId: input.workflowId, label: input.label, version: input.version, actorId: actor.userId }),
);

export const rollbackAction = orgAction({ role: "admin", currentUserId, input: z.object({ ...wf, version }) }, ({ input, actor }) =>
  rollbackProduction({ orgId: actor.orgId, workflowId: input.workflowId, version: input.version, actorId: actor.userId }),
);

export const splitLabelAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, label: z.string().min(1).max(40), spec: z.string().min(1).max(200) }) },
  ({ input, actor }) =>
    splitLabel({
      orgId: actor.orgId,
      workflowId: input.workflowId,
      label: input.label,
      weights: parseSplitSpec(input.spec),
      actorId: actor.userId,
    }),
);

// A split's winner takes the whole label: admins only, audited as label.promote.
export const promoteLabelAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, label: z.string().min(1).max(40), version }) },
  ({ input, actor }) =>
    promoteLabel({ orgId: actor.orgId, workflowId: input.workflowId, label: input.label, version: input.version, actorId: actor.userId }),
);

// Compare's "Use this": a column's model (and a version column's content) into the draft; admins only, like any draft edit.
export const adoptColumnAction = orgAction(
  {
    role: "admin",
    currentUserId,
    input: z.object({ ...wf, target: z.union([z.literal("draft"), version]), model: z.string().min(3).max(200) }),
  },
  ({ input, actor }) =>
    adoptIntoDraft({ orgId: actor.orgId, workflowId: input.workflowId, target: input.target, model: input.model, actorId: actor.userId }),
);

// Members may run the playground, so they may read what their runs cost.
export const runSummaryAction = orgAction(
  { role: "member", currentUserId, input: z.object({ ...org, runId: z.string().min(1) }) },
  async ({ input, actor }) => serializeRun(await getRunOrThrow({ orgId: actor.orgId }, input.runId)),
);
