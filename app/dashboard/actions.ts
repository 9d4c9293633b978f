"use server";

import { z } from "zod";
import { createApiKey, revokeApiKey } from "@/lib/auth/api-keys";
import { keyScopeInput, scopeOptions } from "@/lib/auth/key-scope-input";
import { orgAction, type ActionResult } from "@/lib/auth/org-action";
import { currentUser, currentUserId } from "@/lib/auth/session";
import { acceptInvite, cancelInvitation, INVITE_ROLES, inviteMember } from "@/lib/orgs/invitations";
import { setRequireTwoFactor } from "@/lib/orgs/org-settings";
import { changeMemberRole, removeMember } from "@/lib/orgs/members";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { getRunOrThrow, serializeRun } from "@/lib/runs/get-run";
import { moveLabel, rollbackProduction } from "@/lib/workflows/move-label";
import { parseSplitSpec, splitLabel } from "@/lib/workflows/split-label";
import { addCaseFromRun, createEvalCase, importEvalCases, removeEvalCase } from "@/lib/evals/cases";
import { MAX_IMPORT_BYTES } from "@/lib/evals/import-cases";
import { setRequirePassingEval } from "@/lib/evals/publish-gate";
import { runEval } from "@/lib/evals/run-eval";
import { publishVersion, unpublishWorkflow } from "@/lib/workflows/publish-version";
import { draftPatch, workflowContent } from "@/lib/workflows/schemas";
import { archiveWorkflow, restoreVersionIntoDraft, updateDraft } from "@/lib/workflows/update-draft";
import { defaultModelId } from "@/lib/llm/registry";
import { parseWorkflowDocument } from "@/lib/workflows/export-import/document";
import { importWorkflow } from "@/lib/workflows/export-import/import-workflow";
import { redeliverWebhook } from "@/lib/webhooks/deliveries";
import { createWebhookEndpoint, createWebhookInput, deleteWebhook, enableWebhook } from "@/lib/webhooks/endpoints";

// Every dashboard mutation. Members may view and run; admins and owners edit, publish and manage
// keys. Each call re-resolves the session and the membership of the org it names (orgAction).

const org = { orgId: z.string().min(1) };
const wf = { ...org, workflowId: z.string().min(1) };

export const createWorkflowAction = orgAction(
  { role: "admin", currentUserId, input: workflowContent.pick({ name: true, template: true }).extend(org) },
  ({ input, actor }) => createWorkflow({ orgId: actor.orgId, name: input.name, template: input.template }),
);

export const saveDraftAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, patch: draftPatch }) },
  ({ input, actor }) => updateDraft({ orgId: actor.orgId, workflowId: input.workflowId, patch: input.patch }),
);

export const publishAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, note: z.string().max(500).default("") }) },
  ({ input, actor }) => publishVersion({ orgId: actor.orgId, workflowId: input.workflowId, note: input.note, actorId: actor.userId }),
);

export const archiveAction = orgAction(
  { role: "admin", currentUserId, input: z.object(wf) },
  ({ input, actor }) => archiveWorkflow({ orgId: actor.orgId, workflowId: input.workflowId, actorId: actor.userId }),
);

// Labels: any label but `latest` (publishing owns it) may be created or moved; moving
// `production` changes what the API runs. Rollback is the guarded form: production, older only.
const version = z.number().int().min(1).max(999_999_999);

export const moveLabelAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, label: z.string().min(1).max(40), version }) },
  ({ input, actor }) => moveLabel({ orgId: actor.orgId, workflowId: input.workflowId, label: input.label, version: input.version, actorId: actor.userId }),
);

export const rollbackAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, version }) },
  ({ input, actor }) => rollbackProduction({ orgId: actor.orgId, workflowId: input.workflowId, version: input.version, actorId: actor.userId }),
);

export const createKeyAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...org, name: z.string().trim().min(1).max(100), scope: keyScopeInput.optional() }) },
  ({ input, actor }) => createApiKey({ orgId: actor.orgId, name: input.name, actorId: actor.userId, ...scopeOptions(input.scope) }),
);

export const revokeKeyAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...org, keyId: z.string().min(1) }) },
  ({ input, actor }) => revokeApiKey({ orgId: actor.orgId, keyId: input.keyId, actorId: actor.userId }),
);

export const unpublishAction = orgAction(
  { role: "admin", currentUserId, input: z.object(wf) },
  ({ input, actor }) => unpublishWorkflow({ orgId: actor.orgId, workflowId: input.workflowId, actorId: actor.userId }),
);

export const restoreVersionAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, version: z.number().int().positive() }) },
  ({ input, actor }) => restoreVersionIntoDraft({ orgId: actor.orgId, workflowId: input.workflowId, version: input.version }),
);

// Members may run the playground, so they may read what their runs cost.
export const runSummaryAction = orgAction(
  { role: "member", currentUserId, input: z.object({ ...org, runId: z.string().min(1) }) },
  async ({ input, actor }) => serializeRun(await getRunOrThrow({ orgId: actor.orgId }, input.runId)),
);

export const inviteMemberAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...org, email: z.email().max(320), role: z.enum(INVITE_ROLES) }) },
  ({ input, actor }) => inviteMember({ orgId: actor.orgId, inviterId: actor.userId, email: input.email, role: input.role }),
);

/** Accepting needs a session but no membership yet: the invitation is what grants it. */
export async function acceptInviteAction(raw: unknown): Promise<ActionResult<{ org_id: string; role: string }>> {
  const user = await currentUser();
  return acceptInvite(user, raw);
}

export const setRequireTwoFactorAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...org, on: z.boolean() }) },
  ({ input, actor }) => setRequireTwoFactor({ orgId: actor.orgId, actorId: actor.userId, on: input.on }),
);

export const changeMemberRoleAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...org, userId: z.string().min(1), role: z.enum(["member", "admin", "owner"]) }) },
  ({ input, actor }) => changeMemberRole({ actor, userId: input.userId, role: input.role }),
);

export const removeMemberAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...org, userId: z.string().min(1) }) },
  ({ input, actor }) => removeMember({ actor, userId: input.userId }),
);

export const cancelInvitationAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...org, invitationId: z.string().min(1) }) },
  ({ input, actor }) => cancelInvitation({ orgId: actor.orgId, invitationId: input.invitationId, actorId: actor.userId }),
);

// --- Workflow import (issue 17): an exported document, or a prompt pasted from OpenAI's dashboard.
// Always a new workflow; `draftOnly` leaves its versions behind.
export const importWorkflowAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...org, document: z.string().max(1_000_000, "The document is over 1 MB: import it with `npm run admin -- workflow import`"), draftOnly: z.boolean() }) },
  ({ input, actor }) => importWorkflow({
    orgId: actor.orgId, doc: parseWorkflowDocument(input.document, defaultModelId()), draftOnly: input.draftOnly, actorId: actor.userId,
  }),
);

// --- Evals and splits (issue 21). Splitting a label is a label move: admins only, audited.
export const splitLabelAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, label: z.string().min(1).max(40), spec: z.string().min(1).max(200) }) },
  ({ input, actor }) => splitLabel({ orgId: actor.orgId, workflowId: input.workflowId, label: input.label, weights: parseSplitSpec(input.spec), actorId: actor.userId }),
);

// Datasets and evals: admins curate the dataset, flip the publish gate and run evals (which are
// charged to the org like playground runs).
export const createEvalCaseAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, case: z.unknown() }) },
  ({ input, actor }) => createEvalCase({ orgId: actor.orgId, workflowId: input.workflowId, input: input.case }),
);

export const importEvalCasesAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, text: z.string().max(MAX_IMPORT_BYTES, "The file is over 1 MB: split it"), format: z.enum(["jsonl", "csv"]) }) },
  ({ input, actor }) => importEvalCases({ orgId: actor.orgId, workflowId: input.workflowId, text: input.text, format: input.format }),
);

export const addCaseFromRunAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...org, runId: z.string().min(1) }) },
  ({ input, actor }) => addCaseFromRun({ orgId: actor.orgId, runId: input.runId }),
);

export const removeEvalCaseAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, caseId: z.string().min(1) }) },
  ({ input, actor }) => removeEvalCase({ orgId: actor.orgId, workflowId: input.workflowId, caseId: input.caseId }),
);

export const runEvalAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, target: z.union([z.literal("draft"), version]) }) },
  ({ input, actor }) => runEval({ orgId: actor.orgId, workflowId: input.workflowId, target: input.target, actorId: actor.userId }),
);

export const requirePassingEvalAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...wf, required: z.boolean() }) },
  ({ input, actor }) => setRequirePassingEval({ orgId: actor.orgId, workflowId: input.workflowId, required: input.required }),
);

// --- Webhooks (issue 18): admins register endpoints (the whsec_ secret is in this answer only),
// re-enable one disabled after a day of failures, delete one, and send a delivery again.
const webhook = { ...org, webhookId: z.string().min(1).max(100) };

export const createWebhookAction = orgAction(
  { role: "admin", currentUserId, input: createWebhookInput.extend(org) },
  ({ input: { orgId: _, ...input }, actor }) => createWebhookEndpoint({ orgId: actor.orgId, actorId: actor.userId, ...input }),
);

export const enableWebhookAction = orgAction(
  { role: "admin", currentUserId, input: z.object(webhook) },
  ({ input, actor }) => enableWebhook({ orgId: actor.orgId, endpointId: input.webhookId }),
);

export const deleteWebhookAction = orgAction(
  { role: "admin", currentUserId, input: z.object(webhook) },
  ({ input, actor }) => deleteWebhook({ orgId: actor.orgId, endpointId: input.webhookId, actorId: actor.userId }),
);

export const redeliverWebhookAction = orgAction(
  { role: "admin", currentUserId, input: z.object({ ...org, deliveryId: z.string().min(1).max(100) }) },
  ({ input, actor }) => redeliverWebhook({ orgId: actor.orgId, deliveryId: input.deliveryId }),
);
