import { and, eq, inArray, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { getRun } from "@/db/queries/runs";
import { idempotencyKeys, runs, webhookDeliveries, webhookEndpoints } from "@/db/schema";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { getOrgSettings, setStorageSettings } from "@/lib/orgs/org-settings";
import { sweepRetention } from "@/lib/retention/sweep-retention";
import { retentionPass } from "@/lib/server/start-retention";
import { getRunBus } from "@/lib/runs/run-bus";
import { createFixture } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";
import { apiRequest } from "../support/routes";

// Retention (README, "Retention and masking"): an org keeps its runs' inputs and outputs for N days
// (null: forever; 0: metering only), and the sweeper clears older ones — bounded, idempotent, safe
// with several instances sweeping at once. Runs, their metering and the ledger stay.

type Fixture = Awaited<ReturnType<typeof createFixture>>;

async function runOnce(f: Fixture, story: string, headers: Record<string, string> = {}) {
  const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story }, headers });
  expect(res.status).toBe(200);
  return (await res.json()) as { run_id: string; result: string; credits_charged: number };
}

/** Moves a run's start and end back in time. */
async function age(runIds: string[], ago: string) {
  await (
    await getDb()
  ).execute(sql`
    UPDATE runs SET created_at = now() - ${ago}::interval - interval '1 second', finished_at = now() - ${ago}::interval
    WHERE id IN (${sql.join(
      runIds.map((id) => sql`${id}`),
      sql`, `,
    )})`);
}

const metering = (r: NonNullable<Awaited<ReturnType<typeof getRun>>>) => ({
  status: r.status,
  model: r.model,
  inputTokens: r.inputTokens,
  outputTokens: r.outputTokens,
  totalTokens: r.totalTokens,
  creditsReserved: r.creditsReserved,
  creditsCharged: r.creditsCharged,
  latencyMs: r.latencyMs,
  firstTokenMs: r.firstTokenMs,
  createdAt: r.createdAt,
  finishedAt: r.finishedAt,
  attempts: r.attempts,
  errorCode: r.errorCode,
});

/** Sweeps until nothing is due (other orgs' runs in the shared test database may be due too). */
async function sweepAll() {
  for (let n = 0; n < 50; n++) if ((await sweepRetention({ batch: 500 })).length === 0) return;
}

describe("retention", () => {
  it("clears runs older than N days, keeps newer ones, their metering and the ledger; GET /runs/{id} says why", async () => {
    const f = await createFixture({ template: "Tell {{story}}" });
    const old = [await runOnce(f, "old one"), await runOnce(f, "old two")];
    const recent = await runOnce(f, "recent");
    await age(
      old.map((r) => r.run_id),
      "31 days",
    );
    await age([recent.run_id], "29 days");
    const db = await getDb();
    const before = await Promise.all([...old, recent].map((r) => getRun(db, { orgId: f.orgId, runId: r.run_id })));
    const balance = await expectLedgerEqualsBalance(f.orgId);

    await setStorageSettings({ orgId: f.orgId, actorId: null, retentionDays: 30 });
    await sweepAll();

    for (const [i, r] of old.entries()) {
      const row = (await getRun(db, { orgId: f.orgId, runId: r.run_id }))!;
      expect(row).toMatchObject({ inputs: {}, output: "", citations: [], errorMessage: null, redactedAfterDays: 30 });
      expect(row.redactedAt).toBeInstanceOf(Date);
      expect(metering(row)).toEqual(metering(before[i]!));
    }
    const kept = (await getRun(db, { orgId: f.orgId, runId: recent.run_id }))!;
    expect(kept).toMatchObject({ inputs: { story: "recent" }, output: "Tell recent", redactedAt: null });
    await expectLedgerEqualsBalance(f.orgId, balance);

    const res = await apiRequest(`/api/v1/runs/${old[0]!.run_id}`, { key: f.key });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({
      status: "completed",
      result: "",
      credits_charged: old[0]!.credits_charged,
      redaction: "Inputs and output removed after 30 days (retention)",
    });
    expect(body.redacted_at).toMatch(/^\d{4}-/);
    expect((await (await apiRequest(`/api/v1/runs/${recent.run_id}`, { key: f.key })).json()).redacted_at).toBeNull();

    // Idempotent: another pass changes nothing, not even the time of the clearing.
    const at = (await getRun(db, { orgId: f.orgId, runId: old[0]!.run_id }))!.redactedAt;
    await sweepAll();
    expect((await getRun(db, { orgId: f.orgId, runId: old[0]!.run_id }))!.redactedAt).toEqual(at);
  });

  it("forever (null, the default) clears nothing", async () => {
    const f = await createFixture({ template: "Tell {{story}}" });
    const r = await runOnce(f, "ancient");
    await age([r.run_id], "3000 days");
    await sweepAll();
    expect((await getRun(await getDb(), { orgId: f.orgId, runId: r.run_id }))!.output).toBe("Tell ancient");
    await setStorageSettings({ orgId: f.orgId, actorId: null, retentionDays: 30 });
    await setStorageSettings({ orgId: f.orgId, actorId: null, retentionDays: null });
    await sweepAll();
    expect((await getRun(await getDb(), { orgId: f.orgId, runId: r.run_id }))!.output).toBe("Tell ancient");
  });

  it("0 days keeps only metering, after a short grace; with the copies of the answer (webhook payloads, Idempotency-Key answers, run bus)", async () => {
    const f = await createFixture({ template: "Tell {{story}}" });
    await setStorageSettings({ orgId: f.orgId, actorId: null, retentionDays: 0 });
    const idem = `retention-${Date.now()}`;
    const done = await runOnce(f, "secret plan", { "idempotency-key": idem });
    const fresh = await runOnce(f, "fresh");
    const db = await getDb();
    // A delivery that carried the run's inputs and output to an endpoint that opted in.
    await db.insert(webhookEndpoints).values({
      id: `wh_ret${Date.now()}`,
      orgId: f.orgId,
      url: "https://receiver.example/hook",
      events: ["run.completed"],
      secret: "whsec_x",
      includeData: true,
    });
    const [endpoint] = await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.orgId, f.orgId));
    await db.insert(webhookDeliveries).values({
      id: `msg_ret${Date.now()}`,
      orgId: f.orgId,
      endpointId: endpoint!.id,
      eventType: "run.completed",
      status: "delivered",
      payload: { type: "run.completed", data: { run_id: done.run_id, credits_charged: 3, inputs: { story: "secret plan" }, output: "x" } },
    });
    const bus = getRunBus();
    bus.publish(done.run_id, { t: "text", d: "Tell secret plan", i: 0 });
    bus.publish(done.run_id, { t: "end", end: { status: "completed" } as never });
    await age([done.run_id], "10 minutes");
    await age([fresh.run_id], "1 minute");

    const cleared = await retentionPass({ batch: 500, zeroGraceS: 300 });
    expect(cleared.map((r) => r.id)).toContain(done.run_id);
    expect(cleared.map((r) => r.id)).not.toContain(fresh.run_id);
    const row = (await getRun(db, { orgId: f.orgId, runId: done.run_id }))!;
    expect(row).toMatchObject({ inputs: {}, output: "", status: "completed", redactedAfterDays: 0 });
    expect(row.creditsCharged).toBe(done.credits_charged);
    expect((await getRun(db, { orgId: f.orgId, runId: fresh.run_id }))!.output).toBe("Tell fresh");

    const [delivery] = await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpoint!.id));
    expect(delivery!.payload).toEqual({ type: "run.completed", data: { run_id: done.run_id, credits_charged: 3 } });
    const [stored] = await db
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.apiKeyId, f.keyId), eq(idempotencyKeys.key, idem)));
    expect(stored).toMatchObject({ runId: done.run_id, responseBody: null, responseStatus: null });
    expect(await bus.follow(done.run_id)).toBeNull();
    // A repeat of the request answers from the run as it now is: the answer was not kept elsewhere.
    const again = await apiRequest(`/api/v1/run/${f.workflowId}`, {
      method: "POST",
      key: f.key,
      json: { story: "secret plan" },
      headers: { "idempotency-key": idem },
    });
    expect(JSON.stringify(await again.json())).not.toContain("secret plan");
    await expectLedgerEqualsBalance(f.orgId);
  });

  it("is bounded per pass, and instances sweeping at once clear each run once", async () => {
    const f = await createFixture({ template: "Tell {{story}}" });
    const made: string[] = [];
    for (let i = 0; i < 12; i++) made.push((await runOnce(f, `n${i}`)).run_id);
    await age(made, "8 days");
    await sweepAll(); // nothing else due
    await setStorageSettings({ orgId: f.orgId, actorId: null, retentionDays: 7 });
    const first = await sweepRetention({ batch: 3, maxBatches: 1 });
    expect(first).toHaveLength(3);
    const twoBatches = await sweepRetention({ batch: 2, maxBatches: 2 });
    expect(twoBatches).toHaveLength(4);
    // Three "instances" at once: SKIP LOCKED hands each a different set; together they clear the rest once.
    const together = (await Promise.all([1, 2, 3].map(() => sweepRetention({ batch: 2, maxBatches: 10 })))).flat();
    const ids = together.map((r) => r.id).filter((id) => made.includes(id));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(5);
    const db = await getDb();
    const left = await db
      .select({ id: runs.id })
      .from(runs)
      .where(and(inArray(runs.id, made), sql`${runs.redactedAt} IS NULL`));
    expect(left).toHaveLength(0);
    await expectLedgerEqualsBalance(f.orgId);
  });

  it("refuses a retention that is not a whole number of days from 0", async () => {
    const f = await createFixture();
    for (const bad of [-1, 1.5, 100_000])
      await expect(setStorageSettings({ orgId: f.orgId, actorId: null, retentionDays: bad })).rejects.toMatchObject({
        code: "invalid_request",
      });
  });

  it("the admin CLI sets it: org set --org <id> --retention-days <n>|forever --mask-pii on|off", async () => {
    const f = await createFixture();
    expect(await runAdminCommand(["org", "set", "--org", f.orgId, "--retention-days", "14", "--mask-pii", "on"])).toEqual({
      retention_days: 14,
      mask_pii: true,
    });
    expect(await getOrgSettings(f.orgId)).toMatchObject({ retentionDays: 14, maskPii: true });
    await runAdminCommand(["org", "set", "--org", f.orgId, "--retention-days", "forever"]);
    expect(await getOrgSettings(f.orgId)).toMatchObject({ retentionDays: null, maskPii: true });
    for (const args of [["--retention-days", "-3"], ["--retention-days", "soon"], ["--mask-pii", "yes"], []])
      await expect(runAdminCommand(["org", "set", "--org", f.orgId, ...args])).rejects.toMatchObject({ code: "invalid_request" });
    await expect(runAdminCommand(["org", "set", "--org", "org_nope", "--retention-days", "3"])).rejects.toMatchObject({
      code: "not_found",
    });
  });
});
