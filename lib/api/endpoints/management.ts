import { assertWorkflowVisible, visibleWorkflows } from "@/lib/auth/visibility";
import type { Principal } from "@/lib/auth/principal";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { listWorkflowsForApi } from "@/lib/workflows/list-workflows";
import {
  contentFromApi,
  createWorkflowBody,
  createWorkflowResponse,
  listWorkflowsQuery,
  listWorkflowsResponse,
  moveLabelBody,
  moveLabelResponse,
  promoteLabelBody,
  promoteLabelResponse,
  publishBody,
  publishResponse,
  updateDraftBody,
  updateDraftResponse,
} from "@/lib/workflows/management-schemas";
import { moveLabel } from "@/lib/workflows/move-label";
import { promoteLabel } from "@/lib/workflows/promote-label";
import { publishVersion } from "@/lib/workflows/publish-version";
import type { NewWorkflow } from "@/lib/workflows/schemas";
import { updateDraft } from "@/lib/workflows/update-draft";
import { apiRoute } from "../route";
import { AUTHED, IDEMPOTENCY_ERRORS, IDEMPOTENCY_HEADER, WORKFLOW_ID } from "../route-doc";

// The management API (CI): admin-scope keys list, create, edit, publish and label workflows with
// the dashboard's validation and the dashboard's audit entries, the key recorded as the actor.
// Mutations honour Idempotency-Key, so a CI retry never publishes twice.

const ADMIN = { auth: "apiKey", needs: "admin", idempotent: {} } as const;
const MUTATION_ERRORS = ["invalid_request", ...AUTHED, ...IDEMPOTENCY_ERRORS] as const;
const LABEL = { label: { description: "A label name (lowercase, e.g. staging); `latest` moves only by publishing.", example: "staging" } };
/** The key as the audit entries' actor; a workflow outside a restricted key's workflows is not found. */
const actor = (p: Principal, workflowId: string) => (assertWorkflowVisible(p, workflowId), p.keyId);

// GET /api/v1/workflows[?search=] – the org's live workflows
export const listWorkflowsRoute = apiRoute(
  {
    method: "GET",
    path: "/api/v1/workflows",
    auth: "apiKey",
    needs: "admin",
    query: listWorkflowsQuery,
    response: listWorkflowsResponse,
    doc: {
      operationId: "listWorkflows",
      tag: "Management",
      summary: "List the org's workflows (admin keys)",
      ok: { description: "Live workflows, most recently changed first." },
      errors: ["invalid_request", ...AUTHED],
    },
  },
  ({ ctx, query }) => listWorkflowsForApi({ orgId: ctx.principal.orgId, visible: visibleWorkflows(ctx.principal), search: query.search }),
);

// POST /api/v1/workflows – a new draft (unpublished)
export const createWorkflowRoute = apiRoute(
  {
    ...ADMIN,
    method: "POST",
    path: "/api/v1/workflows",
    body: createWorkflowBody,
    response: createWorkflowResponse,
    doc: {
      operationId: "createWorkflow",
      tag: "Management",
      summary: "Create a workflow draft (admin keys)",
      description: "Same fields and limits as the dashboard's editor; publish it with POST /api/v1/workflows/{workflow_id}/publish.",
      headerParams: [IDEMPOTENCY_HEADER],
      body: {
        description: "The draft's content: name and template required.",
        examples: { minimal: { summary: "A name and a template", value: { name: "Stories", template: "Write {{story}}" } } },
      },
      ok: { description: "The new workflow." },
      errors: [...MUTATION_ERRORS],
    },
  },
  async ({ ctx, body }) => {
    const limit = body.end_user_rate_limit_per_minute;
    const wf = await createWorkflow({
      orgId: ctx.principal.orgId,
      ...(contentFromApi(body) as NewWorkflow),
      endUserRateLimitPerMinute: limit,
      actorId: ctx.principal.keyId,
    });
    return {
      success: true as const,
      workflow_id: wf.workflow_id,
      name: wf.name,
      model: wf.model,
      variables: wf.variables,
      ...(limit !== undefined ? { end_user_rate_limit_per_minute: limit } : {}),
    };
  },
);

// PATCH /api/v1/workflows/:workflow_id – change the draft (what runs changes only on publish)
export const updateDraftRoute = apiRoute(
  {
    ...ADMIN,
    method: "PATCH",
    path: "/api/v1/workflows/{workflow_id}",
    body: updateDraftBody,
    response: updateDraftResponse,
    doc: {
      operationId: "updateWorkflowDraft",
      tag: "Management",
      summary: "Update a workflow's draft (admin keys)",
      pathParams: WORKFLOW_ID,
      headerParams: [IDEMPOTENCY_HEADER],
      body: {
        description: "Any subset of the draft's content.",
        examples: {
          template: { summary: "A new template", value: { template: "Write a short {{story}}" } },
          limit: { summary: "30 requests a minute per end user", value: { end_user_rate_limit_per_minute: 30 } },
        },
      },
      ok: { description: "The draft was saved." },
      errors: [...MUTATION_ERRORS, "workflow_not_found"],
    },
  },
  async ({ ctx, params, body }) => {
    const actorId = actor(ctx.principal, params.workflow_id);
    const limit = body.end_user_rate_limit_per_minute;
    const saved = await updateDraft({
      orgId: ctx.principal.orgId,
      workflowId: params.workflow_id,
      patch: contentFromApi(body),
      endUserRateLimitPerMinute: limit,
      actorId,
    });
    return { success: true as const, ...saved, ...(limit !== undefined ? { end_user_rate_limit_per_minute: limit } : {}) };
  },
);

// POST /api/v1/workflows/:workflow_id/publish – the draft becomes version N+1, production and latest move to it
export const publishWorkflowRoute = apiRoute(
  {
    ...ADMIN,
    method: "POST",
    path: "/api/v1/workflows/{workflow_id}/publish",
    body: publishBody,
    response: publishResponse,
    doc: {
      operationId: "publishWorkflow",
      tag: "Management",
      summary: "Publish the draft as a new version (admin keys)",
      description:
        "The API runs the new version from the next request (production and latest move to it); audited with the key as the actor.",
      pathParams: WORKFLOW_ID,
      headerParams: [IDEMPOTENCY_HEADER],
      body: {
        description: "An optional note for the version history.",
        examples: { ci: { summary: "From CI", value: { note: "CI build 1234" } } },
      },
      ok: { description: "The published version." },
      errors: [...MUTATION_ERRORS, "workflow_not_found"],
    },
  },
  async ({ ctx, params, body }) => {
    const actorId = actor(ctx.principal, params.workflow_id);
    const v = await publishVersion({ orgId: ctx.principal.orgId, workflowId: params.workflow_id, note: body.note, actorId });
    return { success: true as const, workflow_id: params.workflow_id, ...v };
  },
);

// POST /api/v1/workflows/:workflow_id/labels/:label – point a label at a published version
export const moveLabelRoute = apiRoute(
  {
    ...ADMIN,
    method: "POST",
    path: "/api/v1/workflows/{workflow_id}/labels/{label}",
    body: moveLabelBody,
    response: moveLabelResponse,
    doc: {
      operationId: "moveLabel",
      tag: "Management",
      summary: "Move a label to a published version (admin keys)",
      description: "Creates the label if new. Moving production changes what the API runs (a rollback is a move to an older version).",
      pathParams: { ...WORKFLOW_ID, ...LABEL },
      headerParams: [IDEMPOTENCY_HEADER],
      body: {
        description: "The version number it should point to.",
        examples: { staging: { summary: "Version 3", value: { version: 3 } } },
      },
      ok: { description: "Where the label points now." },
      errors: [...MUTATION_ERRORS, "workflow_not_found"],
    },
  },
  async ({ ctx, params, body }) => {
    const actorId = actor(ctx.principal, params.workflow_id);
    const m = await moveLabel({
      orgId: ctx.principal.orgId,
      workflowId: params.workflow_id,
      label: params.label,
      version: body.version,
      actorId,
    });
    return { success: true as const, workflow_id: m.workflow_id, label: m.label, from: m.from, to: m.to!, moved: m.moved };
  },
);

// POST /api/v1/workflows/:workflow_id/labels/:label/promote – end a split: the label moves wholly to one of its versions
export const promoteLabelRoute = apiRoute(
  {
    ...ADMIN,
    method: "POST",
    path: "/api/v1/workflows/{workflow_id}/labels/{label}/promote",
    body: promoteLabelBody,
    response: promoteLabelResponse,
    doc: {
      operationId: "promoteLabel",
      tag: "Management",
      summary: "Promote a split label's winning version (admin keys)",
      description:
        "The label must split traffic (A/B) and the version must be one of its arms; the label then points at that version alone. " +
        "Audited as `label.promote` (the label, the split it ended, the version, the key) and sent as the `label.moved` webhook event.",
      pathParams: { ...WORKFLOW_ID, ...LABEL },
      headerParams: [IDEMPOTENCY_HEADER],
      body: { description: "The version that wins.", examples: { v4: { summary: "Version 4 wins", value: { version: 4 } } } },
      ok: { description: "The split it ended and the version the label points at now." },
      errors: [...MUTATION_ERRORS, "workflow_not_found"],
    },
  },
  async ({ ctx, params, body }) => {
    const actorId = actor(ctx.principal, params.workflow_id);
    const p = await promoteLabel({
      orgId: ctx.principal.orgId,
      workflowId: params.workflow_id,
      label: params.label,
      version: body.version,
      actorId,
    });
    return { success: true as const, workflow_id: p.workflow_id, label: p.label, from_split: p.from_split, to: p.to };
  },
);
