import { and, eq, inArray, sql } from "drizzle-orm";
import { beforeEach, describe, expect, it } from "vitest";
import { chunkIndexes, chunkText, pollUntil, readSse, sleep, type Sse } from "./support/client";
import { NAMES } from "./support/cluster";
import { clusterSuite, lib } from "./support/suite";

// Every cross-instance behaviour through a real load balancer: three production servers on one
// PostgreSQL and one Redis behind HAProxy (tests/multi/support/suite.cluster.ts). Requests go to the
// balancer only; x-backend names the instance that answered.

const suite = clusterSuite();

/** Sends cheap reads until the balancer's next pick is not `name` (round-robin: right after `name` answered). */
async function stepPast(name: string | null) {
  for (let i = 0; i < NAMES.length + 1; i++) {
    const r = await suite.api("/api/v1/usage", { key: suite.seed.key });
    await r.body?.cancel();
    if (r.headers.get("x-backend") === name) return;
  }
  throw new Error(`never answered by ${name}`);
}

describe("three instances behind HAProxy", () => {
  // Tests that count what each instance answers need all three in the rotation (Cluster.allUp).
  beforeEach(() => suite.cluster.allUp());
  it("a resumable stream started on one instance is resumed through another, from Last-Event-ID, to its end", async () => {
    suite.cluster.upstream.set({ tokens: 30, tokenDelayMs: 40, firstTokenDelayMs: 0 });
    const first = await suite.stream("?resumable=1");
    expect(first.status).toBe(200);
    const origin = first.headers.get("x-backend")!;
    const runId = first.headers.get("x-run-id")!;
    const before: Sse[] = [];
    expect(await readSse(first, before, (e) => e.event === "chunk" && e.data.index === 4)).toBe("stopped");

    await stepPast(origin);
    const resumed = await suite.api(`/api/v1/runs/${runId}/stream`, {
      key: suite.seed.key,
      headers: { accept: "text/event-stream", "last-event-id": "4" },
    });
    expect(resumed.status).toBe(200);
    expect(resumed.headers.get("x-backend")).not.toBe(origin);
    const after: Sse[] = [];
    expect(await readSse(resumed, after)).toBe("end");
    expect(chunkIndexes(after)).toEqual(Array.from({ length: 25 }, (_, i) => i + 5));
    expect(chunkText(before) + chunkText(after)).toBe(Array.from({ length: 30 }, (_, i) => `tok${i} `).join(""));
    expect(after.at(-1)).toMatchObject({ event: "done", data: { status: "completed", run_id: runId } });
    suite.figures.resume = { startedOn: origin, resumedOn: resumed.headers.get("x-backend") };
  });

  it("a cancel that lands on another instance stops the run where it runs: the stream ends canceled, only what was produced is charged", async () => {
    suite.cluster.upstream.set({ tokens: 400, tokenDelayMs: 25 });
    const res = await suite.stream();
    const origin = res.headers.get("x-backend")!;
    const runId = res.headers.get("x-run-id")!;
    const events: Sse[] = [];
    const reading = readSse(res, events);
    await pollUntil(async () => (events.some((e) => e.event === "chunk") ? true : undefined), 10_000);

    await stepPast(origin);
    const t0 = Date.now();
    const cancel = await suite.api(`/api/v1/runs/${runId}/cancel`, { key: suite.seed.key, method: "POST" });
    expect(cancel.headers.get("x-backend")).not.toBe(origin);
    expect(cancel.status).toBe(200);
    expect(await cancel.json()).toMatchObject({ run_id: runId, status: "canceled" });
    expect(await reading).toBe("end");
    const canceledAfterMs = Date.now() - t0;
    const done = events.at(-1)!;
    expect(done).toMatchObject({ event: "done", data: { status: "canceled" } });
    const produced = chunkIndexes(events).length;
    expect(produced).toBeLessThan(400);
    const { getDb, runs } = await lib();
    const [row] = await (await getDb()).select().from(runs).where(eq(runs.id, runId));
    expect(row).toMatchObject({ status: "canceled", outputTokens: produced, creditsCharged: done.data.credits_charged });
    suite.figures.cancel = { runOn: origin, canceledOn: cancel.headers.get("x-backend"), canceledAfterMs };
  });

  it("a key's rate limit is exact across instances: with 20 per minute, exactly 20 of 45 requests pass", async () => {
    const { createApiKey } = await lib();
    const { key } = await createApiKey({ orgId: suite.seed.orgId, name: "limited", rateLimitPerMinute: 20 });
    const answers = await Promise.all(Array.from({ length: 45 }, () => suite.api("/api/v1/usage", { key })));
    const statuses = answers.map((r) => r.status);
    await Promise.all(answers.map((r) => r.body?.cancel()));
    expect(statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(statuses.filter((s) => s === 429)).toHaveLength(25);
    expect(new Set(answers.map((r) => r.headers.get("x-backend")))).toEqual(new Set(NAMES));
  });

  it("200 concurrent runs against a small balance, spread over the instances: no overdraft, the balance equals the ledger, no run left running", async () => {
    const { createOrg, createApiKey, createWorkflow, getDb, getOrg, sumLedger, runs } = await lib();
    suite.cluster.upstream.set({ tokens: 6, tokenDelayMs: 2 });
    // The price of one run, then an org whose balance pays for 25 of them.
    const probe = await suite.api(`/api/v1/run/${suite.seed.workflowId}`, { key: suite.seed.key, json: { story: "a dog" } });
    const cost = ((await probe.json()) as { credits_charged: number }).credits_charged;
    expect(cost).toBeGreaterThan(0);
    const start = 25 * cost;
    const { org_id: orgId } = await createOrg({ name: "Small", credits: start });
    const { key } = await createApiKey({ orgId, name: "small" });
    const wf = await createWorkflow({ orgId, name: "Small", template: "Write {{story}}", model: "openai.chat:fake", publish: true });
    const db = await getDb();

    const answers = await Promise.all(
      Array.from({ length: 200 }, async () => {
        const r = await suite.api(`/api/v1/run/${wf.workflow_id}`, { key, json: { story: "a dog" } });
        return {
          status: r.status,
          backend: r.headers.get("x-backend"),
          body: (await r.json()) as { credits_charged?: number; code?: string },
        };
      }),
    );
    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 402);
    expect(answers.filter((a) => a.status !== 200 && a.status !== 402).map((a) => [a.status, a.body])).toEqual([]);
    expect(new Set(ok.map((a) => a.backend))).toEqual(new Set(NAMES));
    const charged = ok.reduce((s, a) => s + a.body.credits_charged!, 0);
    expect(charged).toBeLessThanOrEqual(start);

    const [running] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(runs)
      .where(and(eq(runs.orgId, orgId), eq(runs.status, "running")));
    expect(running!.n).toBe(0);
    const balance = (await getOrg(db, orgId))!.creditBalance;
    expect(balance).toBeGreaterThanOrEqual(0);
    expect(balance).toBe(start - charged);
    expect(await sumLedger(db, orgId)).toBe(balance);
    suite.figures.overdraft = {
      runs: 200,
      completed: ok.length,
      refused402: refused.length,
      balanceFor: 25,
      startBalance: start,
      endBalance: balance,
    };
  });

  it("a revoke and a publish are seen by every instance within LOOKUP_CACHE_TTL_MS (1 s)", async () => {
    const { createApiKey, revokeApiKey, updateDraft, publishVersion } = await lib();
    const ttl = 1000;
    const { key, id: keyId } = await createApiKey({ orgId: suite.seed.orgId, name: "to revoke" });
    // Each instance asked directly: round robin does not promise three requests reach three instances.
    const everyInstance = async (k: string) => {
      const seen: Record<string, { status: number; version?: number }> = {};
      for (const name of NAMES) {
        const r = await suite.direct(name, `/api/v1/workflows/${suite.seed.workflowId}`, { key: k });
        seen[name] = {
          status: r.status,
          version: r.ok ? ((await r.json()) as { version: number }).version : (await r.body?.cancel(), undefined),
        };
      }
      return seen;
    };
    // Every instance has the key and the published version in its cache.
    expect(Object.values(await everyInstance(key))).toEqual(NAMES.map(() => ({ status: 200, version: 1 })));

    await revokeApiKey({ orgId: suite.seed.orgId, keyId });
    await updateDraft({ orgId: suite.seed.orgId, workflowId: suite.seed.workflowId, patch: { template: "Tell {{story}}" } });
    await publishVersion({ orgId: suite.seed.orgId, workflowId: suite.seed.workflowId });
    await sleep(ttl);
    const revoked = await everyInstance(key);
    expect(Object.keys(revoked).sort()).toEqual([...NAMES]);
    expect(Object.values(revoked).map((s) => s.status)).toEqual([401, 401, 401]);
    const published = await everyInstance(suite.seed.key);
    expect(Object.keys(published).sort()).toEqual([...NAMES]);
    expect(Object.values(published)).toEqual(NAMES.map(() => ({ status: 200, version: 2 })));
  });

  it("a suspension (by the library, as the admin CLI does it) is seen by every instance within LOOKUP_CACHE_TTL_MS; unsuspend restores", async () => {
    const { createOrg, createApiKey, createWorkflow, suspendOrg, unsuspendOrg } = await lib();
    const ttl = 1000;
    const { org_id: orgId } = await createOrg({ name: "To suspend", credits: 1_000_000 });
    const { key } = await createApiKey({ orgId, name: "suspended soon" });
    const wf = await createWorkflow({ orgId, name: "Story", template: "Write {{story}}", model: "openai.chat:fake", publish: true });
    const reason = "abuse report 42";
    const everyInstance = async () => {
      const seen: Record<string, { status: number; body: unknown }> = {};
      for (const name of NAMES) {
        const r = await suite.direct(name, `/api/v1/workflows/${wf.workflow_id}`, { key });
        seen[name] = { status: r.status, body: await r.json() };
      }
      return seen;
    };
    // Every instance has the key in its cache, and a stream token waits to be used.
    expect(Object.values(await everyInstance()).map((s) => s.status)).toEqual([200, 200, 200]);
    const token = ((await (await suite.api("/api/v1/token?ttl=600", { key })).json()) as { token: string }).token;

    // This process is none of the instances: each one learns of the suspension from the database, when its cached lookup ends.
    const t0 = Date.now();
    await suspendOrg({ orgId, reason, operator: { label: "cli" } });
    const refusedAfter: Record<string, number> = {};
    const lastAcceptedAt: Record<string, number> = {};
    while (Object.keys(refusedAfter).length < NAMES.length && Date.now() - t0 < 5 * ttl) {
      const sentAt = Date.now() - t0;
      const r = await suite.api(`/api/v1/workflows/${wf.workflow_id}`, { key });
      await r.body?.cancel();
      const at = r.headers.get("x-backend")!;
      if (r.status === 403) refusedAfter[at] ??= Date.now() - t0;
      else {
        expect(r.status).toBe(200);
        expect(refusedAfter[at], `${at} accepted the key again after refusing it`).toBeUndefined();
        lastAcceptedAt[at] = sentAt;
      }
    }
    expect(Object.keys(refusedAfter).sort()).toEqual([...NAMES]);
    // The bound: no instance accepts the key in a request sent later than LOOKUP_CACHE_TTL_MS after the commit.
    for (const ms of Object.values(lastAcceptedAt)) expect(ms).toBeLessThan(ttl);
    await sleep(ttl);
    const refused = await everyInstance();
    expect(Object.keys(refused).sort()).toEqual([...NAMES]);
    for (const s of Object.values(refused))
      expect(s).toEqual({
        status: 403,
        body: {
          error: `Organization suspended: ${reason}`,
          success: false,
          code: "org_suspended",
          request_id: expect.stringMatching(/^req_/),
        },
      });
    const run = await suite.api(`/api/v1/run/${wf.workflow_id}/stream?token=${token}`, { json: { story: "a dog" } });
    expect(run.status).toBe(403);
    expect(((await run.json()) as { code: string }).code).toBe("org_suspended");

    await unsuspendOrg({ orgId, reason: "resolved", operator: { label: "cli" } });
    await sleep(ttl);
    const restored = await everyInstance();
    expect(Object.keys(restored).sort()).toEqual([...NAMES]);
    expect(Object.values(restored).map((s) => s.status)).toEqual([200, 200, 200]);
    const ran = await suite.api(`/api/v1/run/${wf.workflow_id}`, { key, json: { story: "a dog" } });
    expect(ran.status).toBe(200);
    await ran.body?.cancel();
    suite.figures.suspension = { lastAcceptedSentAtMs: lastAcceptedAt, firstRefusedAfterMs: refusedAfter, boundMs: ttl };
  });

  it("an instance SIGKILLed mid-stream: its clients get a clean end from the balancer (no hang), the others finish, the balancer stops sending to it", async () => {
    suite.cluster.upstream.set({ tokens: 300, tokenDelayMs: 20 });
    const started = await Promise.all(Array.from({ length: 6 }, () => suite.stream()));
    // Round robin spreads six streams over the three; should it skew, more until b and another have some.
    for (
      let i = 0;
      i < 12 && !(started.some((r) => r.headers.get("x-backend") === "b") && started.some((r) => r.headers.get("x-backend") !== "b"));
      i++
    )
      started.push(await suite.stream());
    const streams = started.map((res) => {
      const events: Sse[] = [];
      return { backend: res.headers.get("x-backend")!, runId: res.headers.get("x-run-id")!, events, outcome: readSse(res, events) };
    });
    expect(streams.some((s) => s.backend === "b") && streams.some((s) => s.backend !== "b")).toBe(true);
    await pollUntil(async () => (streams.every((s) => s.events.some((e) => e.event === "chunk")) ? true : undefined), 10_000);

    const victim = suite.cluster.instances.b;
    const killedAt = Date.now();
    victim.server.process.kill("SIGKILL");
    const onVictim = streams.filter((s) => s.backend === "b");
    const ended = await Promise.race([Promise.all(onVictim.map((s) => s.outcome)), sleep(10_000).then(() => "hang" as const)]);
    const cutAfterMs = Date.now() - killedAt;
    expect(ended).not.toBe("hang");
    for (const s of onVictim) expect(s.events.some((e) => e.event === "done")).toBe(false);
    for (const s of streams.filter((x) => x.backend !== "b")) {
      expect(await s.outcome).toBe("end");
      expect(s.events.at(-1)).toMatchObject({ event: "done", data: { status: "completed" } });
    }
    await pollUntil(async () => ((await suite.cluster.serverStates()).b === "DOWN" ? true : undefined), 10_000);
    // Nothing new is sent to it: a burst of runs is served by the survivors.
    suite.cluster.upstream.set({ tokens: 3, tokenDelayMs: 0 });
    const after = await Promise.all(
      Array.from({ length: 9 }, () => suite.api(`/api/v1/run/${suite.seed.workflowId}`, { key: suite.seed.key, json: { story: "a dog" } })),
    );
    expect(after.map((r) => r.status)).toEqual(Array(9).fill(200));
    expect(new Set(after.map((r) => r.headers.get("x-backend")))).toEqual(new Set(["a", "c"]));
    await Promise.all(after.map((r) => r.body?.cancel()));
    const { getDb, runs } = await lib();
    const left = await (
      await getDb()
    )
      .select({ id: runs.id, status: runs.status })
      .from(runs)
      .where(
        inArray(
          runs.id,
          onVictim.map((s) => s.runId),
        ),
      );
    suite.figures.kill = {
      killed: 1,
      streamsOnKilled: onVictim.length,
      clientsCutAfterMs: cutAfterMs,
      killedRunsStillRunning: left.filter((r) => r.status === "running").length,
    };
    await suite.cluster.restart("b");
  });
});
