import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { sumLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { apiKeys, runs, workflows, workflowVersions } from "@/db/schema";
import { createApiKey, revokeApiKey } from "@/lib/auth/api-keys";
import { lookupCacheTtlMs } from "@/lib/cache/lookup-cache";
import { publishVersion } from "@/lib/workflows/publish-version";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";

// The short-lived lookup cache (lib/cache/lookup-cache.ts) keeps its documented bound: a change
// committed by another instance (here: straight SQL, which this process cannot hear about) is
// seen within LOOKUP_CACHE_TTL_MS; one made through this process at once; a run is never started
// with a revoked or expired key, cached or not.

const TTL = lookupCacheTtlMs();
// The bound plus scheduling slack on a loaded machine (a poll, a request).
const BOUND_MS = TTL + 400;

const run = (wf: string, key: string) => apiRequest(`/api/v1/run/${wf}`, { method: "POST", json: { story: "x" }, key });
const describeWf = (wf: string, key: string) => apiRequest(`/api/v1/workflows/${wf}`, { key });

/** Polls until `ok`, returning how long it took after `since`; fails after twice the bound. */
async function within(since: number, ok: () => Promise<boolean>) {
  for (;;) {
    if (await ok()) return performance.now() - since;
    if (performance.now() - since > 2 * BOUND_MS) return Infinity;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("lookup cache: revoked and expired keys", () => {
  it("is on by default, for at most 2 s", () => {
    expect(TTL).toBeGreaterThan(0);
    expect(TTL).toBeLessThanOrEqual(2000);
  });

  it("a key revoked by another instance answers 401 within the bound, and never starts a run", async () => {
    const f = await createFixture({ template: "v1 {{story}}" });
    expect((await describeWf(f.workflowId, f.key)).status).toBe(200); // verified, now cached
    const db = await getDb();
    const balance = (await getOrg(db, f.orgId))!.creditBalance;
    const t0 = performance.now();
    await db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, f.keyId));
    // A run re-checks the key in its reservation statement: refused at once, nothing written.
    const refused = await run(f.workflowId, f.key);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ success: false, error: "Unauthorized. Please provide a valid secret key." });
    expect(await db.select().from(runs).where(eq(runs.orgId, f.orgId))).toHaveLength(0);
    expect((await getOrg(db, f.orgId))!.creditBalance).toBe(balance);
    expect(await sumLedger(db, f.orgId)).toBe(balance);
    // Everything else (describe, token mint) follows within the bound.
    const took = await within(t0, async () => (await describeWf(f.workflowId, f.key)).status === 401);
    expect(took).toBeLessThanOrEqual(BOUND_MS);
    expect((await apiRequest("/api/v1/token?ttl=60", { key: f.key })).status).toBe(401);
  });

  it("a key revoked through this process answers 401 on the next request", async () => {
    const f = await createFixture();
    expect((await describeWf(f.workflowId, f.key)).status).toBe(200);
    await revokeApiKey({ orgId: f.orgId, keyId: f.keyId });
    expect((await describeWf(f.workflowId, f.key)).status).toBe(401);
  });

  it("an expiry is exact even while the key is cached", async () => {
    const f = await createFixture();
    const key = await createApiKey({ orgId: f.orgId, expiresAt: new Date(Date.now() + 300) });
    expect((await describeWf(f.workflowId, key.key)).status).toBe(200);
    await new Promise((r) => setTimeout(r, 350));
    expect((await describeWf(f.workflowId, key.key)).status).toBe(401);
    expect((await run(f.workflowId, key.key)).status).toBe(401);
  });
});

describe("lookup cache: publishing", () => {
  it("a production change made by another instance is run within the bound", async () => {
    const f = await createFixture({ template: "v1 {{story}}" });
    const db = await getDb();
    await db.update(workflows).set({ template: "v2 {{story}}" }).where(eq(workflows.id, f.workflowId));
    await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
    expect((await (await run(f.workflowId, f.key)).json()).result).toBe("v2 x"); // cached now
    // Another instance rolls production back to v1 (the column /run reads, as setLabel writes it).
    const [v1] = await db
      .select()
      .from(workflowVersions)
      .where(and(eq(workflowVersions.workflowId, f.workflowId), eq(workflowVersions.version, 1)));
    const t0 = performance.now();
    await db.update(workflows).set({ publishedVersionId: v1!.id }).where(eq(workflows.id, f.workflowId));
    const took = await within(t0, async () => (await (await run(f.workflowId, f.key)).json()).result === "v1 x");
    expect(took).toBeLessThanOrEqual(BOUND_MS);
    // Unpublished elsewhere: 404 within the bound.
    const t1 = performance.now();
    await db.update(workflows).set({ publishedVersionId: null }).where(eq(workflows.id, f.workflowId));
    expect(await within(t1, async () => (await run(f.workflowId, f.key)).status === 404)).toBeLessThanOrEqual(BOUND_MS);
  });

  it("a publish through this process is run by the next request", async () => {
    const f = await createFixture({ template: "v1 {{story}}" });
    expect((await (await run(f.workflowId, f.key)).json()).result).toBe("v1 x");
    await (await getDb()).update(workflows).set({ template: "v2 {{story}}" }).where(eq(workflows.id, f.workflowId));
    await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
    expect((await (await run(f.workflowId, f.key)).json()).result).toBe("v2 x");
  });
});
