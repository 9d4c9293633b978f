import { eq } from "drizzle-orm";
import { describe, expect, it, vi } from "vitest";
import { getDb } from "@/db";
import { listWorkflowVersions } from "@/db/queries/workflows";
import { runs } from "@/db/schema";
import { createApiKey, revokeApiKey } from "@/lib/auth/api-keys";
import { moveLabel } from "@/lib/workflows/move-label";
import { publishVersion } from "@/lib/workflows/publish-version";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";
import { upstream } from "../setup";

describe("races", () => {
  it("1,000 concurrent redemptions of one stream token: exactly one succeeds", async () => {
    const f = await createFixture();
    const { token } = await (await apiRequest("/api/v1/token", { key: f.key })).json();
    const results = await Promise.all(
      Array.from({ length: 1000 }, () =>
        apiRequest(`/api/v1/run/${f.workflowId}/stream?token=${token}`, { method: "POST", json: { story: "x" } }).then(async (r) => {
          await r.text();
          return r.status;
        }),
      ),
    );
    expect(results.filter((s) => s === 200)).toHaveLength(1);
    expect(results.filter((s) => s === 401)).toHaveLength(999);
    const rows = await (await getDb()).select({ id: runs.id }).from(runs).where(eq(runs.orgId, f.orgId));
    expect(rows).toHaveLength(1);
  }, 120_000);

  it("concurrent publishes of one workflow get strictly increasing, distinct versions", async () => {
    const f = await createFixture();
    const out = await Promise.all(Array.from({ length: 25 }, () => publishVersion({ orgId: f.orgId, workflowId: f.workflowId })));
    const numbers = out.map((v) => v.version).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: 25 }, (_, i) => i + 2));
    const stored = await listWorkflowVersions(await getDb(), { orgId: f.orgId, workflowId: f.workflowId });
    expect(new Set(stored.map((v) => v.version)).size).toBe(26);
  });

  it("a key revoked while runs are in flight: the runs that started finish, nothing that starts after the revoke commits gets through", async () => {
    // The runs are held at the model until the revoke has committed, so they are provably in
    // flight across it; then they are released, and every request sent afterwards must be refused.
    const fake = await upstream();
    const f = await createFixture({ model: "openai.chat:held" });
    let release!: () => void;
    fake.set({ hold: new Promise<void>((r) => (release = r)) });
    const calls = () => fake.requests.filter((q) => q.body?.model === "held").length;
    try {
      const before = calls();
      const settled: string[] = [];
      const inFlight = Array.from({ length: 10 }, (_, i) =>
        apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: `x${i}` } }).then(
          async (r) => (settled.push(`${r.status} ${await r.clone().text()}`), r),
        ),
      );
      // (Generous: on a loaded machine a request can queue behind the database for a while.)
      await vi.waitFor(() => expect(calls() - before + settled.length).toBe(10), { timeout: 60_000, interval: 20 });
      expect(settled).toEqual([]);
      await revokeApiKey({ orgId: f.orgId, keyId: f.keyId });
      expect(settled).toEqual([]); // all ten were still waiting on the model when the revoke committed
      // Sent while the ten are still held: a refusal answers at once, a request that got through
      // would be waiting at the model too.
      let refused = 0;
      const after = Array.from({ length: 10 }, () =>
        apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "y" } }).then(
          (r) => ((refused += r.status === 401 ? 1 : 0), r),
        ),
      );
      await vi.waitFor(() => expect(refused).toBe(10), { timeout: 30_000, interval: 20 });
      expect(calls() - before).toBe(10); // nothing sent after the revoke reached the model
      expect(settled).toEqual([]);
      release();
      expect((await Promise.all(inFlight)).map((r) => r.status)).toEqual(Array(10).fill(200));
      expect((await Promise.all(after)).map((r) => r.status)).toEqual(Array(10).fill(401));
      expect((await apiRequest("/api/v1/token", { key: f.key })).status).toBe(401);
    } finally {
      release();
      fake.reset();
    }
  }, 120_000);

  it("a token minted before its key is revoked is refused after the revoke", async () => {
    const f = await createFixture();
    const { token } = await (await apiRequest("/api/v1/token", { key: f.key })).json();
    await revokeApiKey({ orgId: f.orgId, keyId: f.keyId });
    const res = await apiRequest(`/api/v1/run/${f.workflowId}/stream?token=${token}`, { method: "POST", json: { story: "x" } });
    expect(res.status).toBe(401);
  });
});

describe("lock order under admin changes", () => {
  // Runs lock the org row while their run rows reference the workflow (and the key); publishes,
  // label moves and key revokes lock the workflow or key row while their rows reference the org.
  // With FOR UPDATE those waited on each other in a cycle (PostgreSQL: "deadlock detected").
  it("publishes, label moves and a capped key's revoke while its runs reserve and settle: no deadlock, no 500", async () => {
    const f = await createFixture({ model: "offline:echo" });
    const capped = await createApiKey({ orgId: f.orgId, creditCap: 1_000_000, creditCapPeriod: "day" });
    const runsDone = Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", json: { story: `s${i}` }, key: i % 2 ? capped.key : f.key }).then(
          (r) => r.status,
        ),
      ),
    );
    const admin = Promise.all([
      ...Array.from({ length: 6 }, () => publishVersion({ orgId: f.orgId, workflowId: f.workflowId })),
      ...Array.from({ length: 6 }, () =>
        moveLabel({ orgId: f.orgId, workflowId: f.workflowId, label: "staging", version: 1, actorId: null }),
      ),
      new Promise((r) => setTimeout(r, 20)).then(() => revokeApiKey({ orgId: f.orgId, keyId: capped.id })),
    ]);
    const [statuses] = await Promise.all([runsDone, admin]);
    expect(
      statuses.every((s) => s === 200 || s === 401),
      String(statuses),
    ).toBe(true);
    const rows = await (await getDb()).select().from(runs).where(eq(runs.orgId, f.orgId));
    expect(rows.every((r) => r.status === "completed")).toBe(true);
  }, 120_000);
});
