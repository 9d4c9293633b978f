import "server-only";
import { listBudgets } from "@/lib/budgets/manage-budgets";
import { getDb } from "@/db";
import { listApiKeys } from "@/db/queries/api-keys";
import { listAuditEntries } from "@/db/queries/audit";
import { listLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { listLabelHistory, listLabels } from "@/db/queries/labels";
import { listRuns, usagePerDay } from "@/db/queries/runs";
import { RUN_SOURCES, RUN_STATUSES, WEBHOOK_EVENTS } from "@/db/schema";
import { listDeliveries } from "@/lib/webhooks/deliveries";
import { listWebhooks } from "@/lib/webhooks/endpoints";
import { capUsedInPeriod } from "@/lib/credits/key-cap";
import { getRunOrThrow } from "@/lib/runs/get-run";
import { draftDiffers } from "@/lib/workflows/draft-changes";
import { compareSplits } from "@/lib/feedback/compare-splits";
import { describeSplit } from "@/lib/workflows/split-assignment";
import { getWorkflow, listVersionsByIds, listWorkflows, listWorkflowsWithPublished, listWorkflowVersions } from "@/db/queries/workflows";
import { authorizeActor } from "@/lib/auth/org-action";
import { billingSummary } from "@/lib/billing/summary";
import { AppError } from "@/lib/errors";
import { listCatalogue, unpricedPolicy } from "@/lib/llm/catalogue";

// What each dashboard page shows, always limited to the org the page resolved (tenant isolation
// lives here and in db/queries, not in the components).

export async function workflowsPageData(orgId: string, search?: string) {
  const rows = await listWorkflowsWithPublished(await getDb(), { orgId, search: search?.trim().slice(0, 100) || undefined });
  return rows.map(({ workflow: w, published: p }) => ({
    id: w.id,
    name: w.name,
    model: w.model,
    updatedAt: w.updatedAt,
    publishedVersion: p?.version ?? null,
    changedSincePublish: !!p && draftDiffers(w, p),
  }));
}

export async function workflowPageData(orgId: string, workflowId: string) {
  const db = await getDb();
  const wf = await getWorkflow(db, { orgId, workflowId });
  if (!wf || wf.archivedAt) throw new AppError("workflow_not_found");
  const versions = await listWorkflowVersions(db, { orgId, workflowId });
  return {
    workflow: wf,
    versions,
    published: versions.find((v) => v.id === wf.publishedVersionId) ?? null,
    models: await listCatalogue(),
    unpriced: unpricedPolicy(),
  };
}

export async function keysPageData(orgId: string) {
  const db = await getDb();
  const [keys, workflows] = await Promise.all([listApiKeys(db, orgId), listWorkflows(db, orgId)]);
  const names = new Map(workflows.map((w) => [w.id, w.name]));
  return {
    workflows: workflows.filter((w) => !w.archivedAt).map((w) => ({ id: w.id, name: w.name })),
    keys: keys.map((k) => ({
      id: k.id,
      name: k.name,
      prefix: k.prefix,
      createdAt: k.createdAt.toISOString(),
      lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
      revokedAt: k.revokedAt?.toISOString() ?? null,
      expiresAt: k.expiresAt?.toISOString() ?? null,
      rateLimitPerMinute: k.rateLimitPerMinute,
      endUserRateLimitPerMinute: k.endUserRateLimitPerMinute,
      workflows: k.workflowIds?.map((id) => names.get(id) ?? id) ?? null,
      allowedOrigins: k.allowedOrigins,
      creditCap: k.creditCap,
      creditCapPeriod: k.creditCapPeriod,
      scopes: k.scopes,
      capUsed: k.creditCapPeriod ? capUsedInPeriod(k, k.creditCapPeriod) : 0,
    })),
  };
}

// The usage page's filter choices are the run columns' own enums (pages do not import db/).
export { RUN_SOURCES, RUN_STATUSES };

export type RunFilters = { workflow?: string; status?: string; source?: string };

const DAYS = 14;

/** Usage: balance, ledger, the runs table (filtered), and per-day totals for the charts. */
export async function usagePageData(orgId: string, filters: RunFilters = {}) {
  const db = await getDb();
  const status = RUN_STATUSES.find((s) => s === filters.status);
  const source = RUN_SOURCES.find((s) => s === filters.source);
  const since = new Date(Date.now() - (DAYS - 1) * 86_400_000);
  since.setUTCHours(0, 0, 0, 0);
  const [org, ledger, runs, perDay, workflows, splits] = await Promise.all([
    getOrg(db, orgId),
    listLedger(db, { orgId, limit: 20 }),
    listRuns(db, { orgId, limit: 100, status, source, workflowId: filters.workflow || undefined }),
    usagePerDay(db, { orgId, from: since }),
    listWorkflows(db, orgId),
    compareSplits(orgId, since),
  ]);
  const byDay = new Map(perDay.map((d) => [d.day, d]));
  const days = Array.from({ length: DAYS }, (_, i) => {
    const day = new Date(since.getTime() + i * 86_400_000).toISOString().slice(0, 10);
    return byDay.get(day) ?? { day, runs: 0, tokens: 0, credits: 0 };
  });
  const names = new Map(workflows.map((w) => [w.id, w.name]));
  const versions = await versionNumbers(
    orgId,
    runs.map((r) => r.versionId),
  );
  return {
    balance: org?.creditBalance ?? 0,
    ledger,
    days,
    splits,
    workflows: workflows.map((w) => ({ id: w.id, name: w.name })),
    runs: runs.map((r) => ({
      ...r,
      workflowName: names.get(r.workflowId) ?? r.workflowId,
      versionNumber: r.versionId ? (versions.get(r.versionId) ?? null) : null,
    })),
  };
}

async function versionNumbers(orgId: string, ids: Array<string | null>) {
  const wanted = [...new Set(ids.filter((x): x is string => !!x))];
  const out = new Map<string, number>();
  if (wanted.length) for (const v of await listVersionsByIds(await getDb(), { orgId, ids: wanted })) out.set(v.id, v.version);
  return out;
}

export async function runPageData(orgId: string, runId: string) {
  const run = await getRunOrThrow({ orgId }, runId);
  const db = await getDb();
  const [wf, versions] = await Promise.all([
    getWorkflow(db, { orgId, workflowId: run.workflowId }),
    run.versionId ? listVersionsByIds(db, { orgId, ids: [run.versionId] }) : [],
  ]);
  return { run, workflowName: wf?.name ?? run.workflowId, version: versions[0]?.version ?? null };
}

/** The labels panel: each label's version, the versions it may move to, and the latest moves. */
export async function labelsPageData(orgId: string, workflowId: string) {
  const db = await getDb();
  // The split comparison (and its promote action) over the same 14 days as the Usage page's.
  const since = new Date(Date.now() - (DAYS - 1) * 86_400_000);
  since.setUTCHours(0, 0, 0, 0);
  const [labels, versions, history, splits] = await Promise.all([
    listLabels(db, { orgId, workflowId }),
    listWorkflowVersions(db, { orgId, workflowId }),
    listLabelHistory(db, { orgId, workflowId, limit: 50 }),
    compareSplits(orgId, since, workflowId),
  ]);
  return {
    splits: splits.map((s) => ({ label: s.label, split: s.split, arms: s.arms })),
    labels: labels.map((l) => ({
      name: l.name,
      version: l.version,
      split: l.split ? describeSplit(l.split) : null,
      updatedAt: l.updatedAt.toISOString(),
    })),
    versions: versions.map((v) => v.version),
    history: history.map(({ entry: h, actorName }) => ({
      id: h.id,
      label: h.label,
      from: h.fromVersion,
      to: h.toVersion,
      fromSplit: h.fromSplit ? describeSplit(h.fromSplit) : null,
      toSplit: h.toSplit ? describeSplit(h.toSplit) : null,
      actor: h.actorId ? (actorName ?? "a former user") : "system",
      at: h.at.toISOString(),
    })),
  };
}

/**
 * The audit log page, admins and owners only. The role is checked here as well as in the page, so
 * the data cannot be read by a member whatever renders it.
 */
export async function auditPageData(me: { userId: string; orgId: string }) {
  const actor = await authorizeActor(me, "admin");
  return listAuditEntries(await getDb(), { orgId: actor.orgId });
}

/** The webhooks page, admins and owners only (checked here too, like the audit log): endpoints, the latest deliveries, the events one may subscribe to. */
export async function webhooksPageData(me: { userId: string; orgId: string }) {
  const actor = await authorizeActor(me, "admin");
  const [endpoints, deliveries] = await Promise.all([listWebhooks(actor.orgId), listDeliveries({ orgId: actor.orgId, limit: 50 })]);
  return { endpoints, deliveries, events: [...WEBHOOK_EVENTS] };
}

/**
 * The Billing page: balance, packs, auto top-up, purchases (everyone in the org sees them; buying
 * is for admins and owners). `sessionId`: Stripe's return, shown as pending until its event has
 * granted the credits (the return itself grants nothing).
 */
export async function billingPageData(me: { userId: string; orgId: string }, sessionId?: string) {
  const actor = await authorizeActor(me, "member");
  const summary = await billingSummary(actor.orgId);
  const returned = sessionId ? summary.purchases.find((p) => p.checkout_session_id === sessionId) : undefined;
  return { ...summary, returned: returned ? { status: returned.status, credits: returned.credits } : null, orgId: actor.orgId };
}

/** The Budgets page (admins and owners): budgets with this period's usage, and the workflows and keys a filter may name. */
export async function budgetsPageData(me: { userId: string; orgId: string }) {
  const actor = await authorizeActor(me, "admin");
  const [budgets, { workflows, keys }] = await Promise.all([listBudgets(actor.orgId), keysPageData(actor.orgId)]);
  return {
    budgets,
    workflows,
    keys: keys.filter((k) => !k.revokedAt).map((k) => ({ id: k.id, name: `${k.name} (${k.prefix})` })),
  };
}
