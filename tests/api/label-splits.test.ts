import { asc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { listAuditEntries } from "@/db/queries/audit";
import { auditLog, workflowLabelHistory, workflows, type WorkflowVersion } from "@/db/schema";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { moveLabel } from "@/lib/workflows/move-label";
import { publishVersion } from "@/lib/workflows/publish-version";
import { assignVersion, bucketOf, type ServedVersion } from "@/lib/workflows/split-assignment";
import { parseSplitSpec, splitLabel } from "@/lib/workflows/split-label";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";
import { withVersions } from "../support/versions";

// Weighted labels (README, Splits (A/B)): a label splits traffic between versions, sticky per end user,
// recorded on the run; ?version= pins win; every change of weights is audited.

/** withVersions, and `split` sets a label's weights ("1:90,2:10") as the dashboard does. */
async function withSplits(n: number) {
  const f = await withVersions(n);
  const split = (spec: string, label = "production") =>
    splitLabel({ orgId: f.orgId, workflowId: f.workflowId, label, weights: parseSplitSpec(spec), actorId: null });
  return { ...f, split };
}

/** A split over fake versions, as the prefetch hands it to the run pipeline. */
function servedSplit(weights: number[]): ServedVersion {
  const version = (n: number) => ({ id: `wfv_${n}`, workflowId: "wf_dist", version: n }) as WorkflowVersion;
  return { ...version(1), split: { label: "production", arms: weights.map((w, i) => ({ version: version(i + 1), weight: w * 100 })) } };
}

describe("the split's distribution", () => {
  it.each([{ weights: [90, 10] }, { weights: [50, 30, 20] }, { weights: [99, 1] }])(
    "10,000 simulated users fall into $weights within chi-square bounds (p = 0.001)",
    ({ weights }) => {
      const served = servedSplit(weights);
      const counts = weights.map(() => 0);
      for (let u = 0; u < 10_000; u++) counts[assignVersion(served, `user-${u}`).version.version - 1]!++;
      const expected = weights.map((w) => w * 100);
      const chi2 = counts.reduce((s, c, i) => s + (c - expected[i]!) ** 2 / expected[i]!, 0);
      // Critical values of chi-square at p = 0.001: 10.83 (1 degree of freedom), 13.82 (2).
      expect(chi2).toBeLessThan(weights.length === 2 ? 10.83 : 13.82);
      for (let i = 0; i < weights.length; i++) expect(Math.abs(counts[i]! - expected[i]!)).toBeLessThan(200); // ±2 % of 10,000
      console.info(`split ${weights.join("/")}: ${counts.join(" / ")} of 10,000 users, chi-square ${chi2.toFixed(2)}`);
    },
  );

  it("is sticky: a user's version never changes for the same split; raising the newer arm's weight moves users only toward it", () => {
    const at10 = servedSplit([90, 10]);
    const at50 = servedSplit([50, 50]);
    for (let u = 0; u < 2000; u++) {
      const user = `user-${u}`;
      const first = assignVersion(at10, user);
      expect(assignVersion(at10, user).version.version).toBe(first.version.version);
      expect(first.assignment).toMatchObject({
        label: "production",
        bucket: bucketOf("wf_dist", "production", user),
        by: "user",
        split: "v1 90% / v2 10%",
      });
      if (first.version.version === 2) expect(assignVersion(at50, user).version.version).toBe(2);
    }
  });

  it("without a user, each request draws its own bucket", () => {
    const served = servedSplit([50, 50]);
    const seen = new Set<number>();
    for (let i = 0; i < 64; i++) {
      const a = assignVersion(served, null);
      expect(a.assignment?.by).toBe("request");
      seen.add(a.version.version);
    }
    expect([...seen].sort()).toEqual([1, 2]);
  });
});

describe("a split label through the API", () => {
  it("serves each end user one version, sticky across requests and surfaces; the run records which and why", async () => {
    const f = await withSplits(2);
    await f.split("1:50,2:50");
    const seen = new Map<string, string>();
    for (let u = 0; u < 12; u++) {
      const user = `u${u}`;
      const a = await f.run("", { user });
      const b = await f.run("", { user });
      expect(a.status).toBe(200);
      expect(b.version).toBe(a.version);
      // The bucket decides: the first half of the buckets is v1.
      expect(a.version).toBe(bucketOf(f.workflowId, "production", user) < 5000 ? "1" : "2");
      seen.set(user, a.version!);
      const rec = await f.record(a.body.run_id);
      expect(rec.assignment).toEqual({
        label: "production",
        bucket: bucketOf(f.workflowId, "production", user),
        by: "user",
        split: "v1 50% / v2 50%",
      });
    }
    expect(new Set(seen.values()).size).toBe(2);

    // A stream token minted for an end user gets that user's version too.
    const user = [...seen.keys()][0]!;
    const token = (await (await apiRequest(`/api/v1/token?user=${user}`, { key: f.key })).json()).token;
    const text = await (
      await apiRequest(`/api/v1/run/${f.workflowId}/stream?token=${token}`, { method: "POST", json: { story: "x" } })
    ).text();
    expect(text).toBe(`v${seen.get(user)} x`);
  });

  it("?version= pins win over the split; ?label= follows it; requests without a user spread over both", async () => {
    const f = await withSplits(2);
    await f.split("1:50,2:50");
    for (let i = 0; i < 6; i++) {
      const pinned = await f.run("?version=1", { user: `p${i}` });
      expect(pinned.version).toBe("1");
      expect((await f.record(pinned.body.run_id)).assignment).toBeNull();
    }
    const labelled = await f.run("?label=production", { user: "alice" });
    expect(labelled.version).toBe(bucketOf(f.workflowId, "production", "alice") < 5000 ? "1" : "2");
    const versions = new Set<string>();
    for (let i = 0; i < 40; i++) versions.add((await f.run()).version!);
    expect([...versions].sort()).toEqual(["1", "2"]);
  });

  it("a custom label splits on its own; production is untouched", async () => {
    const f = await withSplits(3);
    await f.split("1:1,2:99", "canary");
    expect((await f.run("", { user: "zed" })).version).toBe("3");
    const r = await f.run("?label=canary", { user: "zed" });
    expect(r.version).toBe(bucketOf(f.workflowId, "canary", "zed") < 100 ? "1" : "2");
    expect((await f.record(r.body.run_id)).assignment).toMatchObject({ label: "canary", split: "v1 1% / v2 99%" });
  });
});

describe("changing a split is audited like any label move", () => {
  it("history and audit record the split before and after; a move to one version ends it; publishing too", async () => {
    const f = await withSplits(2);
    const db = await getDb();
    expect(await f.split("1:90,2:10")).toMatchObject({ label: "production", version: 1, split: "v1 90% / v2 10%", moved: true });
    expect(await f.split("1:90,2:10")).toMatchObject({ moved: false });
    await f.split("v1:50, v2:50%");
    await moveLabel({ orgId: f.orgId, workflowId: f.workflowId, label: "production", version: 1, actorId: null });
    const history = await db
      .select()
      .from(workflowLabelHistory)
      .where(eq(workflowLabelHistory.workflowId, f.workflowId))
      .orderBy(asc(workflowLabelHistory.id));
    const prod = history
      .filter((h) => h.label === "production")
      .map((h) => [h.fromVersion, h.toVersion, h.fromSplit?.map((a) => a.weight) ?? null, h.toSplit?.map((a) => a.weight) ?? null]);
    expect(prod.slice(-3)).toEqual([
      [2, 1, null, [9000, 1000]],
      [1, 1, [9000, 1000], [5000, 5000]],
      [1, 1, [5000, 5000], null],
    ]);
    const audit = (await listAuditEntries(db, { orgId: f.orgId })).map((e) => [e.action, e.details]).reverse();
    expect(audit.filter(([a]) => a === "label.split" || a === "label.move")).toEqual([
      ["label.split", { label: "production", from_version: 2, to_version: 1, from_split: null, to_split: "v1 90% / v2 10%" }],
      ["label.split", { label: "production", from_version: 1, to_version: 1, from_split: "v1 90% / v2 10%", to_split: "v1 50% / v2 50%" }],
      ["label.move", { label: "production", from_version: 1, to_version: 1, from_split: "v1 50% / v2 50%" }],
    ]);
    // Single version again: every request runs v1, with no assignment.
    const r = await f.run("", { user: "anyone" });
    expect(r.version).toBe("1");
    expect((await f.record(r.body.run_id)).assignment).toBeNull();

    // Publishing moves production to the new version alone.
    await f.split("1:50,2:50");
    await db.update(workflows).set({ template: "v3 {{story}}" }).where(eq(workflows.id, f.workflowId));
    await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
    for (const user of ["a", "b", "c", "d"]) expect((await f.run("", { user })).version).toBe("3");
    expect((await db.select().from(auditLog).where(eq(auditLog.orgId, f.orgId))).length).toBeGreaterThan(3);
  });

  it.each([
    { spec: "1:100", error: "A split has 2 to 5 versions (one version: move the label instead)" },
    { spec: "1:60,2:30", error: "Split weights must add up to 100% (they add up to 90%)" },
    { spec: "1:50,1:50", error: "A split names each version once" },
    { spec: "1:100,2:0", error: "Each version of a split needs a weight above 0%" },
    { spec: "1:50;2:50", error: expect.stringContaining("is not version:percent") },
    { spec: "1:33.333,2:66.667", error: expect.stringContaining("is not version:percent") },
  ])("refuses $spec", async ({ spec, error }) => {
    const f = await withSplits(2);
    await expect((async () => f.split(spec))()).rejects.toMatchObject({ code: "invalid_request", message: error });
  });

  it("the admin CLI splits a label (label split --weights)", async () => {
    const f = await withSplits(2);
    const out = await runAdminCommand([
      "label",
      "split",
      "--org",
      f.orgId,
      "--workflow",
      f.workflowId,
      "--label",
      "production",
      "--weights",
      "1:90,2:10",
    ]);
    expect(out).toMatchObject({ label: "production", version: 1, split: "v1 90% / v2 10%", moved: true });
    await expect(
      runAdminCommand(["label", "split", "--org", f.orgId, "--workflow", f.workflowId, "--label", "production"]),
    ).rejects.toMatchObject({ message: expect.stringContaining("--weights is required") });
  });

  it("an unknown version is not found, latest cannot be split, another org's workflow is not found", async () => {
    const f = await withSplits(2);
    await expect(f.split("1:50,7:50")).rejects.toMatchObject({ code: "workflow_not_found", message: "Workflow not found (no version 7)" });
    await expect(f.split("1:50,2:50", "latest")).rejects.toMatchObject({ code: "invalid_request" });
    const other = await createFixture();
    await expect(
      splitLabel({
        orgId: other.orgId,
        workflowId: f.workflowId,
        label: "production",
        weights: parseSplitSpec("1:50,2:50"),
        actorId: null,
      }),
    ).rejects.toMatchObject({ code: "workflow_not_found" });
  });
});
