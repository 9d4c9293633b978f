import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { listLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { jobs, runs } from "@/db/schema";
import { startQueue } from "@/lib/server/start-queue";
import { stopJobWorker } from "@/lib/queue/worker";
import { createFixture } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";
import { apiRequest } from "../support/routes";
import { upstream } from "../setup";

// POST /run with Prefer: respond-async: 202 at once, reserved at once, executed by the queue.

afterEach(async () => (await upstream()).reset());
beforeAll(() => startQueue());
afterAll(() => stopJobWorker());

const STORY = { story: "a dog named charlie" };
const runAsync = (wf: string, key: string, how: "prefer" | "query" = "prefer", headers: Record<string, string> = {}) =>
  apiRequest(`/api/v1/run/${wf}${how === "query" ? "?async=true" : ""}`, {
    method: "POST",
    key,
    json: STORY,
    headers: how === "prefer" ? { prefer: "respond-async", ...headers } : headers,
  });

async function poll(key: string, runId: string, until: (status: string) => boolean, seen: string[] = []) {
  for (let i = 0; i < 400; i++) {
    const body = await (await apiRequest(`/api/v1/runs/${runId}`, { key })).json();
    if (seen.at(-1) !== body.status) seen.push(body.status);
    if (until(body.status)) return body;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`run ${runId} stuck; seen ${seen.join(" → ")}`);
}

/** The ledger equals the balance, which is the start less what the org's runs were charged; returns the runs. */
async function expectChargedRuns(orgId: string, start: number) {
  const rows = await (await getDb()).select().from(runs).where(eq(runs.orgId, orgId));
  await expectLedgerEqualsBalance(orgId, start - rows.reduce((n, r) => n + r.creditsCharged, 0));
  return rows;
}

describe("async runs (Prefer: respond-async)", () => {
  it("202 with run_id and Location, reserved at once; GET /runs/:id shows queued → running → completed", async () => {
    const f = await createFixture({ credits: 10_000, model: "openai:gpt-4o-mini" });
    (await upstream()).set({ tokens: 8, tokenDelayMs: 40 });
    stopJobWorker(); // hold the queue, to see the run waiting
    const res = await runAsync(f.workflowId, f.key);
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body).toEqual({ success: true, run_id: expect.stringMatching(/^run_/), status: "queued" });
    expect(res.headers.get("location")).toBe(`/api/v1/runs/${body.run_id}`);
    const db = await getDb();
    // Reserved before the 202: the balance already holds the run's worst case.
    expect((await getOrg(db, f.orgId))!.creditBalance).toBeLessThan(10_000);
    const seen: string[] = [];
    expect((await poll(f.key, body.run_id, () => true, seen)).status).toBe("queued");
    startQueue();
    const done = await poll(f.key, body.run_id, (s) => s === "completed", seen);
    expect(seen).toEqual(["queued", "running", "completed"]);
    expect(done).toMatchObject({ result: Array.from({ length: 8 }, (_, i) => `tok${i} `).join(""), source: "api" });
    const [row] = await expectChargedRuns(f.orgId, 10_000);
    expect(
      (await listLedger(db, { orgId: f.orgId }))
        .filter((e) => e.runId === row!.id)
        .map((e) => e.kind)
        .sort(),
    ).toEqual(["reserve", "settle"]);
    expect(await db.select().from(jobs).where(eq(jobs.kind, "run"))).toEqual([]);
  });

  it("?async=true does the same; an Idempotency-Key replays the 202 without a second run", async () => {
    const f = await createFixture({ credits: 10_000 });
    const a = await runAsync(f.workflowId, f.key, "query", { "idempotency-key": "nightly-1" });
    const b = await runAsync(f.workflowId, f.key, "query", { "idempotency-key": "nightly-1" });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    const [ba, bb] = [await a.json(), await b.json()];
    expect(bb.run_id).toBe(ba.run_id);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    await poll(f.key, ba.run_id, (s) => s === "completed");
    expect(await expectChargedRuns(f.orgId, 10_000)).toHaveLength(1);
  });

  it("refused like any run before it is queued: 402 without credits, 400 without inputs (nothing queued)", async () => {
    const f = await createFixture({ credits: 0 });
    expect((await runAsync(f.workflowId, f.key)).status).toBe(402);
    const bad = await apiRequest(`/api/v1/run/${f.workflowId}`, {
      method: "POST",
      key: f.key,
      json: {},
      headers: { prefer: "respond-async" },
    });
    expect(bad.status).toBe(400);
    expect(await (await getDb()).select().from(runs).where(eq(runs.orgId, f.orgId))).toEqual([]);
  });

  it("cancel while queued: canceled at once, the whole reservation back; the queue then skips it", async () => {
    const f = await createFixture({ credits: 10_000 });
    stopJobWorker();
    const { run_id } = await (await runAsync(f.workflowId, f.key)).json();
    const res = await apiRequest(`/api/v1/runs/${run_id}/cancel`, { method: "POST", key: f.key });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "canceled", credits_charged: 0, error_code: "canceled" });
    const db = await getDb();
    expect((await getOrg(db, f.orgId))!.creditBalance).toBe(10_000);
    startQueue();
    await new Promise((r) => setTimeout(r, 300));
    expect((await poll(f.key, run_id, () => true)).status).toBe("canceled");
    expect(await expectChargedRuns(f.orgId, 10_000)).toHaveLength(1);
    const again = await apiRequest(`/api/v1/runs/${run_id}/cancel`, { method: "POST", key: f.key });
    expect(again.status).toBe(409);
  });

  it("10 concurrent cancels of a queued run: one cancels it, the others' 409 carries the status as committed (canceled, not the queued they first read)", async () => {
    const f = await createFixture({ credits: 10_000 });
    stopJobWorker();
    try {
      const { run_id } = await (await runAsync(f.workflowId, f.key)).json();
      const answers = await Promise.all(
        Array.from({ length: 10 }, () => apiRequest(`/api/v1/runs/${run_id}/cancel`, { method: "POST", key: f.key })),
      );
      const bodies = await Promise.all(answers.map((r) => r.json()));
      expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
      const refused = bodies.filter((_, i) => answers[i]!.status === 409);
      expect(refused).toHaveLength(9);
      for (const b of refused)
        expect(b).toMatchObject({
          success: false,
          code: "run_not_running",
          status: "canceled",
          error: "Run is not running (status: canceled)",
        });
      expect(await expectChargedRuns(f.orgId, 10_000)).toHaveLength(1);
    } finally {
      startQueue();
    }
  });

  it("cancel while running (started from the queue) stops the model call", async () => {
    const f = await createFixture({ credits: 10_000, model: "openai:gpt-4o-mini" });
    (await upstream()).set({ tokens: 200, tokenDelayMs: 20 });
    const { run_id } = await (await runAsync(f.workflowId, f.key)).json();
    await poll(f.key, run_id, (s) => s === "running");
    const res = await apiRequest(`/api/v1/runs/${run_id}/cancel`, { method: "POST", key: f.key });
    expect(await res.json()).toMatchObject({ status: "canceled" });
    await expectChargedRuns(f.orgId, 10_000);
  });
});
