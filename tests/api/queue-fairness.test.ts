import http from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq, inArray, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { claimJobs, extendLeases, insertJob, releaseJob } from "@/db/queries/jobs";
import { getOrg } from "@/db/queries/orgs";
import { jobs, runs, webhookDeliveries, webhookEndpoints, type JobKind } from "@/db/schema";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { resetEnvForTests } from "@/lib/env";
import { startQueue } from "@/lib/server/start-queue";
import { kickJobs, startJobWorker, stopJobWorker } from "@/lib/queue/worker";
import { webhookJobHandler } from "@/lib/webhooks/deliver";
import { listDeliveries } from "@/lib/webhooks/deliveries";
import { emitWebhookEvent } from "@/lib/webhooks/emit-event";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";
import { upstream } from "../setup";
import { until as untilWithin } from "../support/until";

function until<T>(f: () => Promise<T | undefined | false>, what: string, { ms = 20_000 } = {}) {
  return untilWithin(f, what, { ms, everyMs: 25 });
}

// The job queue shares its slots between orgs (README "Retries, async runs and webhooks"): one
// org's flood — deliveries to an endpoint that answers slowly or never, or many slow async runs —
// does not hold up another org's one job. Both scenarios of the report, at small scale.

type Receiver = { url: string; got: number[]; delayMs: number; close: () => void };
/** A webhook receiver that answers after `delayMs`; `got` holds when each request arrived. */
async function receiver(delayMs: number): Promise<Receiver> {
  const got: number[] = [];
  const open = new Set<http.ServerResponse>();
  let self: Receiver | undefined = undefined;
  const server = http.createServer((req, res) => {
    req.resume();
    got.push(performance.now());
    open.add(res);
    const t = setTimeout(() => {
      open.delete(res);
      res.end("ok");
    }, self!.delayMs);
    res.on("close", () => {
      clearTimeout(t);
      open.delete(res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  self = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    got,
    delayMs,
    close: () => {
      for (const r of open) r.destroy();
      server.close();
    },
  };
  return self;
}

function setEnv(vars: Record<string, string | undefined>) {
  for (const [k, v] of Object.entries(vars)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetEnvForTests();
}

async function endpointFor(url: string) {
  const f = await createFixture({ credits: 1_000_000 });
  const wh = await runAdminCommand(["webhook", "create", "--org", f.orgId, "--url", url, "--events", "workflow.published"]);
  return { ...f, webhookId: wh.webhook_id as string };
}

async function emit(orgId: string, n: number) {
  const db = await getDb();
  await db.transaction(async (tx) => {
    for (let i = 0; i < n; i++) await emitWebhookEvent(tx, { orgId, type: "workflow.published", data: { i } });
  });
  kickJobs();
}

const cleanups: Array<() => void> = [];
beforeAll(() => setEnv({ WEBHOOKS_ALLOW_PRIVATE: "1" }));
afterEach(async () => {
  stopJobWorker();
  for (const c of cleanups.splice(0)) c();
  (await upstream()).reset();
});
afterAll(() => setEnv({ WEBHOOKS_ALLOW_PRIVATE: undefined, RUN_QUEUE_MAX_PER_ORG: undefined }));

describe("webhooks: one org's slow endpoint does not hold the others' deliveries", () => {
  it("org A's delivery goes out at once while org B's 24 deliveries wait on an endpoint that takes 5 s to answer", async () => {
    const slow = await receiver(5000);
    const fast = await receiver(0);
    cleanups.push(slow.close, fast.close);
    const b = await endpointFor(slow.url);
    const a = await endpointFor(fast.url);
    startQueue();
    await emit(b.orgId, 24);
    await until(async () => slow.got.length > 0 && slow.got, "org B's first delivery");
    const sent = performance.now();
    await emit(a.orgId, 1);
    await until(async () => fast.got.length > 0, "org A's delivery");
    const latency = fast.got[0]! - sent;
    console.info(
      `[fairness] org A's webhook latency behind org B's 24 deliveries to a 5 s endpoint: ${Math.round(latency)} ms; org B's endpoint had ${slow.got.length} requests open`,
    );
    expect(latency).toBeLessThan(2500);
    // At most two of B's deliveries were at its endpoint at a time.
    expect(slow.got.length).toBeLessThanOrEqual(2);
    const db = await getDb();
    const leased = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(jobs)
      .where(and(eq(jobs.groupKey, b.webhookId), sql`${jobs.lockedUntil} > now()`));
    expect(leased[0]!.n).toBeLessThanOrEqual(2);
  });

  it("an endpoint that keeps not answering gets its circuit opened: its deliveries wait without an attempt, and another org's still go out", async () => {
    const silent = await receiver(60_000);
    const fast = await receiver(0);
    cleanups.push(silent.close, fast.close);
    const b = await endpointFor(silent.url);
    const a = await endpointFor(fast.url);
    startJobWorker({ webhook: webhookJobHandler({ timeoutMs: 300 }) });
    await emit(b.orgId, 20);
    const db = await getDb();
    const [ep] = await until(async () => {
      const rows = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, b.webhookId));
      return rows[0]?.circuitOpenUntil ? rows : undefined;
    }, "the circuit to open");
    expect(ep!.timeoutsInARow).toBeGreaterThanOrEqual(3);
    expect(ep!.circuitOpenUntil!.getTime() - Date.now()).toBeGreaterThan(20_000);
    await new Promise((r) => setTimeout(r, 700));
    // Three or four attempts timed out (two at a time); the other deliveries wait, unclaimed, until it closes.
    expect(silent.got.length).toBeLessThanOrEqual(4);
    const waiting = await db.select().from(jobs).where(eq(jobs.groupKey, b.webhookId));
    expect(waiting).toHaveLength(20);
    for (const j of waiting) {
      expect(j.runAt.getTime()).toBeGreaterThan(Date.now() + 20_000);
      expect(j.lockedUntil === null || j.lockedUntil.getTime() <= Date.now()).toBe(true);
    }
    const untried = waiting.filter((j) => j.attempts === 0);
    expect(untried.length).toBeGreaterThanOrEqual(16);
    const log = await listDeliveries({ orgId: b.orgId, limit: 100 });
    const timedOut = log.filter((d) => d.last_error === "no answer within 300 ms").length;
    expect(timedOut).toBeGreaterThanOrEqual(3);
    expect(timedOut).toBeLessThanOrEqual(4);
    expect(log.filter((d) => d.attempts > 0)).toHaveLength(timedOut);
    // Meanwhile org A is served at once.
    const sent = performance.now();
    await emit(a.orgId, 1);
    await until(async () => fast.got.length > 0, "org A's delivery");
    expect(fast.got[0]! - sent).toBeLessThan(2500);
    // A delivery queued while the circuit is open waits too, without an attempt.
    await emit(b.orgId, 1);
    await new Promise((r) => setTimeout(r, 500));
    expect(silent.got.length).toBeLessThanOrEqual(4);
    const [late] = await db
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.orgId, b.orgId))
      .orderBy(sql`${webhookDeliveries.createdAt} desc`)
      .limit(1);
    expect(late!.attempts).toBe(0);
    // The receiver recovers; once the circuit's time is up (made so here), the deliveries go and any answer closes it.
    silent.delayMs = 0;
    startJobWorker({ webhook: webhookJobHandler() }); // the usual 10 s to answer: a busy test machine is no timeout
    await db
      .update(webhookEndpoints)
      .set({ circuitOpenUntil: sql`now() - interval '1 second'` })
      .where(eq(webhookEndpoints.id, b.webhookId));
    await db
      .update(jobs)
      .set({ runAt: sql`now()` })
      .where(eq(jobs.groupKey, b.webhookId));
    kickJobs();
    await until(
      async () => (await listDeliveries({ orgId: b.orgId, limit: 100 })).every((d) => d.status === "delivered"),
      "the deliveries after the circuit closed",
    );
    const [closed] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, b.webhookId));
    expect(closed).toMatchObject({ timeoutsInARow: 0, circuitOpenUntil: null });
  });
});

describe("async runs: one org's queue does not hold another's run", () => {
  async function runAsync(f: { workflowId: string; key: string }) {
    return apiRequest(`/api/v1/run/${f.workflowId}`, {
      method: "POST",
      key: f.key,
      json: { story: "x" },
      headers: { prefer: "respond-async" },
    });
  }
  async function finished(key: string, runId: string) {
    return until(
      async () => {
        const body = await (await apiRequest(`/api/v1/runs/${runId}`, { key })).json();
        return body.status === "completed" || body.status === "failed" ? body : undefined;
      },
      `run ${runId}`,
      { ms: 60_000 },
    );
  }

  it("org B's one fast run completes at once while org A's 12 slow runs (4 s each) are queued", async () => {
    (await upstream()).set({ tokens: 20, tokenDelayMs: 200 });
    const a = await createFixture({ credits: 1_000_000, model: "openai:gpt-4o-mini" });
    const b = await createFixture({ credits: 1_000_000 }); // offline:echo: answers at once
    startQueue();
    const aRuns = await Promise.all(Array.from({ length: 12 }, async () => (await (await runAsync(a)).json()).run_id as string));
    const db = await getDb();
    await until(
      async () =>
        (
          await db
            .select()
            .from(runs)
            .where(and(eq(runs.orgId, a.orgId), eq(runs.status, "running")))
        ).length > 0,
      "org A's runs to start",
    );
    const t0 = performance.now();
    const res = await runAsync(b);
    expect(res.status).toBe(202);
    const done = await finished(b.key, (await res.json()).run_id);
    const latency = performance.now() - t0;
    const aRunning = (
      await db
        .select()
        .from(runs)
        .where(and(eq(runs.orgId, a.orgId), eq(runs.status, "running")))
    ).length;
    console.info(
      `[fairness] org B's async run: 202 → completed in ${Math.round(latency)} ms behind org A's 12 queued 4 s runs (org A running: ${aRunning})`,
    );
    expect(done.status).toBe("completed");
    expect(latency).toBeLessThan(2500);
    // Org A had at most its share running (RUN_QUEUE_ORG_CONCURRENCY, 4), and all of A's runs still complete.
    expect(aRunning).toBeLessThanOrEqual(4);
    for (const id of aRuns) expect((await finished(a.key, id)).status).toBe("completed");
    expect(await db.select().from(jobs).where(eq(jobs.orgId, a.orgId))).toEqual([]);
  }, 60_000);

  it("at most RUN_QUEUE_MAX_PER_ORG queued per org: 6 concurrent requests against a cap of 3 → three 202s and three 429s in the documented shape, nothing reserved for them", async () => {
    setEnv({ RUN_QUEUE_MAX_PER_ORG: "3" });
    try {
      const f = await createFixture({ credits: 100_000 });
      const other = await createFixture({ credits: 100_000 });
      const answers = await Promise.all(Array.from({ length: 6 }, () => runAsync(f)));
      const statuses = answers.map((r) => r.status).sort();
      expect(statuses).toEqual([202, 202, 202, 429, 429, 429]);
      const refused = answers.find((r) => r.status === 429)!;
      expect(await refused.json()).toEqual({
        success: false,
        code: "rate_limited",
        error: "Too many async runs: at most 3 per organization may be queued or running at once",
        reason: "async_queue_full",
        limit: 3,
        retry_after: 10,
        request_id: expect.any(String),
      });
      expect(refused.headers.get("retry-after")).toBe("10");
      const db = await getDb();
      expect(await db.select().from(runs).where(eq(runs.orgId, f.orgId))).toHaveLength(3);
      const ledgerBalance = (await getOrg(db, f.orgId))!.creditBalance;
      expect(ledgerBalance).toBeLessThan(100_000);
      // Another org is not affected by this one's full queue.
      expect((await runAsync(other)).status).toBe(202);
      // Once the queue drains, the org may queue again.
      startQueue();
      await until(async () => (await db.select().from(jobs).where(eq(jobs.orgId, f.orgId))).length === 0, "the queue to drain");
      expect((await runAsync(f)).status).toBe(202);
    } finally {
      setEnv({ RUN_QUEUE_MAX_PER_ORG: undefined });
    }
  });
});

describe("claimJobs", () => {
  it("shares hold across instances: two claims at once never give one org more than its share", async () => {
    // A kind of its own, which no worker handles and no other test queues.
    const kind = "fairness-test" as JobKind;
    const orgId = `org_claimtest${Date.now()}`;
    const db = await getDb();
    const ids: number[] = [];
    for (let i = 0; i < 10; i++) ids.push(await insertJob(db, { kind, payload: { test: i }, orgId }));
    try {
      // Two instances' claims at the same moment (two connections on PostgreSQL).
      const [x, y] = await Promise.all([1, 2].map(() => claimJobs(db, { kind, limit: 5, leaseMs: 60_000, orgShare: 2 })));
      expect([...x!, ...y!].map((j) => j.orgId)).toEqual([orgId, orgId]);
      // Round robin: another org's job goes before this org's third.
      const otherOrg = `${orgId}b`;
      ids.push(await insertJob(db, { kind, payload: {}, orgId: otherOrg }));
      const next = await claimJobs(db, { kind, limit: 1, leaseMs: 60_000 });
      expect(next.map((j) => j.orgId)).toEqual([otherOrg]);
    } finally {
      await db.delete(jobs).where(inArray(jobs.id, ids));
    }
  });

  it("a job in hand keeps its lease while its handler works; one released is not leased again by the renewal", async () => {
    const kind = "fairness-test" as JobKind;
    const db = await getDb();
    const [held, released] = [
      await insertJob(db, { kind, payload: {}, orgId: "org_lease" }),
      await insertJob(db, { kind, payload: {}, orgId: "org_lease" }),
    ];
    try {
      const claimed = await claimJobs(db, { kind, limit: 2, leaseMs: 1_000 });
      expect(claimed.map((j) => j.id).sort()).toEqual([held, released].sort());
      await releaseJob(db, released, new Date(Date.now() + 60_000));
      await extendLeases(db, [held, released], 60_000);
      const rows = await db
        .select()
        .from(jobs)
        .where(inArray(jobs.id, [held, released]));
      expect(rows.find((j) => j.id === held)!.lockedUntil!.getTime()).toBeGreaterThan(Date.now() + 50_000);
      expect(rows.find((j) => j.id === released)!.lockedUntil).toBeNull();
    } finally {
      await db.delete(jobs).where(inArray(jobs.id, [held, released]));
    }
  });
});
