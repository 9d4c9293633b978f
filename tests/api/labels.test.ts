import { asc, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { listLabels } from "@/db/queries/labels";
import { getRun } from "@/db/queries/runs";
import { getWorkflow } from "@/db/queries/workflows";
import { workflowLabelHistory, workflows } from "@/db/schema";
import { moveLabel, rollbackProduction } from "@/lib/workflows/move-label";
import { publishVersion, unpublishWorkflow } from "@/lib/workflows/publish-version";
import { createFixture } from "../support/fixtures";
import { withVersions } from "../support/versions";
import { apiRequest } from "../support/routes";
import { upstream } from "../setup";

// Labels end to end through the real route modules: pins (?version, ?label) keep running exactly
// their version while production moves; moves are serialized into a coherent history.

async function history(workflowId: string, label?: string) {
  const rows = await (
    await getDb()
  )
    .select()
    .from(workflowLabelHistory)
    .where(eq(workflowLabelHistory.workflowId, workflowId))
    .orderBy(asc(workflowLabelHistory.id));
  return label ? rows.filter((r) => r.label === label) : rows;
}

describe("labels and pins", () => {
  afterEach(async () => (await upstream()).reset());

  it("publishing moves latest and production; GET /workflows/:id lists labels", async () => {
    const f = await withVersions(3);
    const d = await f.describeIt();
    expect(d.body).toMatchObject({ version: 3, labels: { latest: 3, production: 3 } });
    expect((await history(f.workflowId)).map((h) => [h.label, h.fromVersion, h.toVersion])).toEqual([
      ["latest", null, 1],
      ["production", null, 1],
      ["latest", 1, 2],
      ["production", 1, 2],
      ["latest", 2, 3],
      ["production", 2, 3],
    ]);
  });

  it("?label and ?version run exactly the pinned version (run, stream, describe) while production moves", async () => {
    const f = await withVersions(3);
    await moveLabel({ orgId: f.orgId, workflowId: f.workflowId, label: "staging", version: 2, actorId: null });
    expect((await f.run()).body.result).toBe("v3 x");
    expect((await f.run("?label=staging")).body.result).toBe("v2 x");
    expect((await f.run("?version=1")).body.result).toBe("v1 x");
    expect(await f.stream("?label=staging")).toBe("v2 y");
    expect((await f.describeIt("?label=staging")).body).toMatchObject({ version: 2, labels: { latest: 3, production: 3, staging: 2 } });

    // Production moves (rollback to 1, then a new publish → 4): the pins do not.
    await rollbackProduction({ orgId: f.orgId, workflowId: f.workflowId, version: 1, actorId: null });
    expect((await f.run()).body.result).toBe("v1 x");
    expect(await f.stream()).toBe("v1 y");
    expect((await f.run("?label=production")).body.result).toBe("v1 x");
    expect((await f.run("?label=latest")).body.result).toBe("v3 x");
    expect((await f.run("?label=staging")).body.result).toBe("v2 x");
    await (await getDb()).update(workflows).set({ template: "v4 {{story}}" }).where(eq(workflows.id, f.workflowId));
    await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
    expect((await f.run()).body.result).toBe("v4 x");
    expect((await f.run("?label=staging")).body.result).toBe("v2 x");
    expect((await f.run("?version=3")).body.result).toBe("v3 x");
    const runRow = await getRun(await getDb(), { orgId: f.orgId, runId: (await f.run("?label=staging")).body.run_id });
    const labels = await listLabels(await getDb(), { orgId: f.orgId, workflowId: f.workflowId });
    expect(runRow?.versionId).toBe(labels.find((l) => l.name === "staging")!.versionId);
  });

  it("a pinned label runs its version through the OpenAI-compatible upstream", async () => {
    const fake = await upstream();
    fake.set({ echo: true });
    const f = await withVersions(2, { model: "openai.chat:m" });
    await moveLabel({ orgId: f.orgId, workflowId: f.workflowId, label: "canary", version: 1, actorId: null });
    const pinned = await f.run("?label=canary", { story: "charlie" });
    expect(pinned.status).toBe(200);
    expect(JSON.stringify(fake.requests.at(-1)!.body)).toContain("v1 charlie");
    await f.run("", { story: "charlie" });
    expect(JSON.stringify(fake.requests.at(-1)!.body)).toContain("v2 charlie");
  });

  it.each([
    {
      name: "version and label together",
      q: "?version=1&label=production",
      status: 400,
      code: "invalid_request",
      error: "Pin with either version or label, not both",
    },
    { name: "unknown label", q: "?label=nope", status: 404, code: "workflow_not_found", error: "Workflow not found (no label nope)" },
    { name: "malformed label", q: "?label=Prod", status: 400, code: "invalid_request", error: expect.stringContaining("label must match") },
    { name: "NUL in a label", q: "?label=prod%00", status: 400, code: "invalid_request", error: "label must not contain NUL characters" },
    { name: "empty label", q: "?label=", status: 400, code: "invalid_request", error: expect.stringContaining("label must match") },
  ])("pin errors: $name → $status $code (run, stream, describe)", async ({ q, status, code, error }) => {
    const f = await withVersions(1);
    const run = await apiRequest(`/api/v1/run/${f.workflowId}${q}`, { method: "POST", key: f.key, json: { story: "x" } });
    const stream = await apiRequest(`/api/v1/run/${f.workflowId}/stream${q}`, { method: "POST", key: f.key, json: { story: "x" } });
    const desc = await apiRequest(`/api/v1/workflows/${f.workflowId}${q}`, { key: f.key });
    for (const res of [run, stream, desc]) {
      expect(res.status).toBe(status);
      expect(await res.json()).toMatchObject({ success: false, code, error });
    }
  });

  it("another org's label is not found", async () => {
    const f = await withVersions(1);
    const other = await createFixture();
    const res = await apiRequest(`/api/v1/run/${f.workflowId}?label=production`, { method: "POST", key: other.key, json: { story: "x" } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: "workflow_not_found" });
  });

  it("unpublish removes production (404 as before); publishing again restores it", async () => {
    const f = await withVersions(2);
    await unpublishWorkflow({ orgId: f.orgId, workflowId: f.workflowId });
    expect(await f.run()).toMatchObject({ status: 404, body: { code: "workflow_not_found", error: "Workflow not found" } });
    expect((await f.describeIt()).status).toBe(404);
    expect(await f.run("?label=production")).toMatchObject({ status: 404, body: { error: "Workflow not found (no label production)" } });
    expect((await getWorkflow(await getDb(), { orgId: f.orgId, workflowId: f.workflowId }))?.publishedVersionId).toBeNull();
    await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
    expect((await f.run()).body.result).toBe("v2 x");
    expect((await history(f.workflowId, "production")).map((h) => [h.fromVersion, h.toVersion])).toEqual([
      [null, 1],
      [1, 2],
      [2, null],
      [null, 3],
    ]);
  });

  it("latest cannot be moved by hand; bad names and unknown versions are refused", async () => {
    const f = await withVersions(2);
    const move = (label: string, version: number) => moveLabel({ orgId: f.orgId, workflowId: f.workflowId, label, version, actorId: null });
    await expect(move("latest", 1)).rejects.toMatchObject({ code: "invalid_request" });
    await expect(move("Staging", 1)).rejects.toMatchObject({ code: "invalid_request" });
    await expect(move("a".repeat(41), 1)).rejects.toMatchObject({ code: "invalid_request" });
    await expect(move("staging", 9)).rejects.toMatchObject({ code: "workflow_not_found", message: "Workflow not found (no version 9)" });
    await expect(rollbackProduction({ orgId: f.orgId, workflowId: f.workflowId, version: 2, actorId: null })).rejects.toMatchObject({
      code: "invalid_request",
    });
    expect(await move("a".repeat(40), 1)).toMatchObject({ moved: true, from: null, to: 1 });
  });

  it("20 concurrent moves (and publishes) keep a coherent history: each from = the previous to", async () => {
    const f = await withVersions(4);
    const moves = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) =>
        moveLabel({ orgId: f.orgId, workflowId: f.workflowId, label: "staging", version: (i % 4) + 1, actorId: null }),
      ),
      ...Array.from({ length: 20 }, (_, i) =>
        moveLabel({ orgId: f.orgId, workflowId: f.workflowId, label: "production", version: ((i + 1) % 4) + 1, actorId: null }),
      ),
      ...Array.from({ length: 3 }, () => publishVersion({ orgId: f.orgId, workflowId: f.workflowId })),
    ]);
    const db = await getDb();
    const labels = await listLabels(db, { orgId: f.orgId, workflowId: f.workflowId });
    const wf = await getWorkflow(db, { orgId: f.orgId, workflowId: f.workflowId });
    for (const name of ["staging", "production", "latest"]) {
      const h = await history(f.workflowId, name);
      expect(h[0]!.fromVersion).toBeNull();
      for (let i = 1; i < h.length; i++) expect(h[i]!.fromVersion, `${name} entry ${i}`).toBe(h[i - 1]!.toVersion);
      expect(labels.find((l) => l.name === name)!.version).toBe(h.at(-1)!.toVersion);
    }
    // Only real moves are recorded (a move to where the label already is is not one).
    const stagingMoves = moves.slice(0, 20).filter((m) => "moved" in m && m.moved).length;
    expect(await history(f.workflowId, "staging")).toHaveLength(stagingMoves);
    // production and published_version_id moved in lockstep, and the API runs that version.
    const production = labels.find((l) => l.name === "production")!;
    expect(wf?.publishedVersionId).toBe(production.versionId);
    expect((await f.describeIt()).body.version).toBe(production.version);
  });
});
