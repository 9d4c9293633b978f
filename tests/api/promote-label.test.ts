import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { listAuditEntries } from "@/db/queries/audit";
import { listLabels } from "@/db/queries/labels";
import { promoteLabelAction } from "@/app/dashboard/workflows/[id]/actions";
import { createApiKey } from "@/lib/auth/api-keys";
import { createEvalCase } from "@/lib/evals/cases";
import { runEval } from "@/lib/evals/run-eval";
import { compareSplits } from "@/lib/feedback/compare-splits";
import { labelsPageData } from "@/lib/dashboard/page-data";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { publishVersion } from "@/lib/workflows/publish-version";
import { parseSplitSpec, splitLabel } from "@/lib/workflows/split-label";
import { updateDraft } from "@/lib/workflows/update-draft";
import { upstream } from "../setup";
import { createDashboardOrg } from "../support/dashboard-org";
import { apiRequest } from "../support/routes";

// Promote with evidence (README "Splits (A/B)", docs/evals.md): a split label's comparison shows
// each version's judge scores (from its newest completed eval) beside the feedback, and "promote"
// moves the label wholly to the chosen version in one audited action (dashboard and management API).

afterEach(async () => (await upstream()).reset());

/** A dashboard org with v1 "v1 {{story}}" and v2 "v2 {{story}}", production split 1:50,2:50. */
async function splitWorkflow() {
  const o = await createDashboardOrg();
  const wf = await createWorkflow({ orgId: o.orgId, name: "Split", template: "v1 {{story}}", model: "offline:echo", publish: true });
  await updateDraft({ orgId: o.orgId, workflowId: wf.workflow_id, patch: { template: "v2 {{story}}" } });
  await publishVersion({ orgId: o.orgId, workflowId: wf.workflow_id });
  await splitLabel({
    orgId: o.orgId,
    workflowId: wf.workflow_id,
    label: "production",
    weights: parseSplitSpec("1:50,2:50"),
    actorId: null,
  });
  return { ...o, workflowId: wf.workflow_id };
}

const labelOf = async (orgId: string, workflowId: string, name = "production") =>
  (await listLabels(await getDb(), { orgId, workflowId })).find((l) => l.name === name);

describe("the split comparison shows judge scores from each version's newest eval", () => {
  it("mean judge score and checks passed per arm; an arm without an eval shows none", async () => {
    const s = await splitWorkflow();
    const fake = await upstream();
    fake.set({ structured: (p) => (/<output>\nv2/.test(p) ? { score: 0.8, reason: "v2" } : { score: 0.3, reason: "v1" }) });
    const judge = { type: "judge" as const, rubric: "Good", pass_score: 0.5, model: "openai.chat:judge-m" };
    for (const story of ["a", "b"])
      await createEvalCase({ orgId: s.orgId, workflowId: s.workflowId, input: { inputs: { story }, expectations: [judge] } });

    let [cmp] = await compareSplits(s.orgId, new Date(0), s.workflowId);
    expect(cmp!.arms.map((a) => a.judge)).toEqual([null, null]);

    await runEval({ orgId: s.orgId, workflowId: s.workflowId, target: 1 });
    await runEval({ orgId: s.orgId, workflowId: s.workflowId, target: 2 });
    [cmp] = await compareSplits(s.orgId, new Date(0), s.workflowId);
    expect(cmp!.arms.map((a) => [a.version, a.judge?.meanScore, a.judge?.passed, a.judge?.checks, a.judge?.cases])).toEqual([
      [1, 0.3, 0, 2, 2],
      [2, 0.8, 2, 2, 2],
    ]);
    // The workflow page's labels section carries the same comparison.
    const page = await labelsPageData(s.orgId, s.workflowId);
    expect(page.splits).toMatchObject([{ label: "production", split: "v1 50% / v2 50%" }]);
    expect(page.splits[0]!.arms[1]!.judge).toMatchObject({ meanScore: 0.8 });
  });
});

describe("promote (dashboard action)", () => {
  it("moves the label wholly to the version, ends the split, and audits label, from-split, to-version and actor", async () => {
    const s = await splitWorkflow();
    const res = await promoteLabelAction.run(s.users.admin, { orgId: s.orgId, workflowId: s.workflowId, label: "production", version: 2 });
    expect(res).toMatchObject({ ok: true, data: { label: "production", from_split: "v1 50% / v2 50%", to: 2 } });
    expect(await labelOf(s.orgId, s.workflowId)).toMatchObject({ version: 2, split: null });
    const [entry] = await listAuditEntries(await getDb(), { orgId: s.orgId, limit: 1 });
    expect(entry).toMatchObject({
      action: "label.promote",
      actorId: s.users.admin,
      targetId: s.workflowId,
      details: { label: "production", from_split: "v1 50% / v2 50%", to_version: 2 },
    });
    // Not split any more: a second promote is refused, and nothing more is recorded.
    expect(
      await promoteLabelAction.run(s.users.admin, { orgId: s.orgId, workflowId: s.workflowId, label: "production", version: 2 }),
    ).toMatchObject({ ok: false, error: { code: "invalid_request", message: "production is not split: move it instead" } });
    const [still] = await listAuditEntries(await getDb(), { orgId: s.orgId, limit: 1 });
    expect(still!.id).toBe(entry!.id);
  });

  it("members are refused; a version outside the split, an unknown label, another org's workflow are refused; nothing moves", async () => {
    const s = await splitWorkflow();
    const other = await splitWorkflow();
    const input = { orgId: s.orgId, workflowId: s.workflowId, label: "production", version: 2 };
    expect(await promoteLabelAction.run(s.users.member, input)).toMatchObject({ ok: false, error: { code: "forbidden" } });
    await updateDraft({ orgId: s.orgId, workflowId: s.workflowId, patch: { template: "v3 {{story}}" } });
    await publishVersion({ orgId: s.orgId, workflowId: s.workflowId });
    // Publishing v3 moved production to it (ending the split): split it again, v3 outside.
    await splitLabel({
      orgId: s.orgId,
      workflowId: s.workflowId,
      label: "production",
      weights: parseSplitSpec("1:50,2:50"),
      actorId: null,
    });
    expect(await promoteLabelAction.run(s.users.owner, { ...input, version: 3 })).toMatchObject({
      ok: false,
      error: { code: "invalid_request", message: "v3 is not in production's split (v1 50% / v2 50%)" },
    });
    expect(await promoteLabelAction.run(s.users.owner, { ...input, label: "staging" })).toMatchObject({
      ok: false,
      error: { code: "workflow_not_found" },
    });
    expect(await promoteLabelAction.run(s.users.owner, { ...input, workflowId: other.workflowId })).toMatchObject({
      ok: false,
      error: { code: "workflow_not_found" },
    });
    expect(await labelOf(s.orgId, s.workflowId)).toMatchObject({ split: [{ version: 1 }, { version: 2 }] });
    expect(await labelOf(other.orgId, other.workflowId)).toMatchObject({ split: [{ version: 1 }, { version: 2 }] });
  });
});

describe("POST /api/v1/workflows/:id/labels/:label/promote", () => {
  it("admin keys promote (audited with the key as actor); run keys are 403; bad bodies 400", async () => {
    const s = await splitWorkflow();
    const admin = await createApiKey({ orgId: s.orgId, scopes: ["admin"] });
    const run = await createApiKey({ orgId: s.orgId });
    const url = `/api/v1/workflows/${s.workflowId}/labels/production/promote`;

    const refused = await apiRequest(url, { method: "POST", key: run.key, json: { version: 1 } });
    expect(refused.status).toBe(403);
    const bad = await apiRequest(url, { method: "POST", key: admin.key, json: { version: "1" } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ success: false, code: "invalid_request" });

    const res = await apiRequest(url, { method: "POST", key: admin.key, json: { version: 1 } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      success: true,
      workflow_id: s.workflowId,
      label: "production",
      from_split: "v1 50% / v2 50%",
      to: 1,
    });
    expect(await labelOf(s.orgId, s.workflowId)).toMatchObject({ version: 1, split: null });
    const [entry] = await listAuditEntries(await getDb(), { orgId: s.orgId, limit: 1 });
    expect(entry).toMatchObject({ action: "label.promote", actorId: admin.id, details: { label: "production", to_version: 1 } });
    // Production now answers v1 for everyone.
    const ran = await apiRequest(`/api/v1/run/${s.workflowId}`, { method: "POST", key: run.key, json: { story: "z" } });
    expect((await ran.json()).result).toMatch(/^v1 z/);
  });
});
