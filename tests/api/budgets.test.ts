import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb, getDbKind } from "@/db";
import { listLedger } from "@/db/queries/credits";
import { budgetUsage, runs } from "@/db/schema";
import { createApiKey } from "@/lib/auth/api-keys";
import { expectLedgerEqualsBalance } from "../support/ledger";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";

// Budgets are hard caps (lib/credits/README.md, "Budgets"): each run is reserved against every
// budget that applies in the same statement as the balance, with the balance's semantics — wait
// for runs in flight, else reserve what is left and cap the output. On whichever database the
// suite runs on (PGlite, or PostgreSQL when DATABASE_URL is set).
// Offline model (1 credit a token): STORY costs 18 credits (9 tokens in, 9 out); a run reserves
// INPUT = 54 for its input (twice the estimate of the rendered messages, plus 8) and 1 a output token.
const STORY = "alpha beta gamma delta epsilon zeta ";
const COST = 18;
const INPUT = 54;
const BILLING_CODES = ["invalid_billing", "budget_exceeded"];

async function setup(o: { credits?: number; maxOutputTokens?: number } = {}) {
  const f = await createFixture({ credits: o.credits ?? 1_000_000, template: "{{story}}", maxOutputTokens: o.maxOutputTokens ?? 10 });
  const admin = (await createApiKey({ orgId: f.orgId, scopes: ["admin"] })).key;
  const budget = async (body: Record<string, unknown>) => {
    const res = await apiRequest("/api/v1/budgets", { method: "POST", key: admin, json: body });
    expect(res.status).toBe(200);
    return (await res.json()).budget as { id: string; name: string | null };
  };
  const run = (user?: string) =>
    apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: STORY, ...(user ? { user } : {}) } });
  return { ...f, admin, budget, run };
}

async function charged(orgId: string, endUser?: string) {
  const db = await getDb();
  const rows = await db
    .select()
    .from(runs)
    .where(endUser ? and(eq(runs.orgId, orgId), eq(runs.endUser, endUser)) : eq(runs.orgId, orgId));
  return { rows, total: rows.reduce((s, r) => s + r.creditsCharged, 0) };
}

async function usageOf(budgetId: string) {
  const db = await getDb();
  return db.select().from(budgetUsage).where(eq(budgetUsage.budgetId, budgetId));
}

describe("budgets are exact hard caps", () => {
  it("50 concurrent runs of one end user against an end_user budget of 100: charged ≤ 100, the rest 402 budget_exceeded; another end user's runs in the same burst are unaffected", async () => {
    const s = await setup();
    const b = await s.budget({ name: "Per user daily", scope: "end_user", credits: 100, period: "day" });
    const responses = await Promise.all([
      ...Array.from({ length: 50 }, () => s.run("alice")),
      ...Array.from({ length: 2 }, () => s.run("bob")),
    ]);
    const bodies = await Promise.all(responses.map((r) => r.json()));
    const alice = bodies.slice(0, 50).map((b, i) => ({ status: responses[i]!.status, body: b }));
    const bob = bodies.slice(50).map((b, i) => ({ status: responses[50 + i]!.status, body: b }));
    const ok = alice.filter((r) => r.status === 200);
    const refused = alice.filter((r) => r.status !== 200);
    for (const r of refused) {
      expect(r.status).toBe(402);
      expect(r.body).toEqual({
        error: 'Budget "Per user daily" exhausted for this period',
        success: false,
        code: "budget_exceeded",
        budget_id: b.id,
        request_id: expect.any(String),
      });
    }
    // Charged runs until what is left cannot pay one run's input and one output token.
    const a = await charged(s.orgId, "alice");
    expect(a.total).toBeLessThanOrEqual(100);
    expect(ok.length).toBeGreaterThanOrEqual(2);
    expect(a.total).toBeGreaterThan(100 - (INPUT + 1));
    for (const r of bob) expect(r).toMatchObject({ status: 200, body: { success: true, credits_charged: COST } });
    const usage = await usageOf(b.id);
    const alices = usage.find((u) => u.subject === "alice")!;
    expect(alices).toMatchObject({ used: a.total, spent: a.total });
    expect(usage.find((u) => u.subject === "bob")).toMatchObject({ used: 2 * COST, spent: 2 * COST });
    await expectLedgerEqualsBalance(s.orgId, 1_000_000 - a.total - 2 * COST);
    console.info(
      `[budgets ${await getDbKind()}] 50 runs of one end user against 100 credits: ${ok.length} ran, ${refused.length} got 402 budget_exceeded, charged ${a.total}`,
    );
    // The next run of alice is refused at once; bob's third still fits (64 of the 100 − 36 left).
    expect((await s.run("alice")).status).toBe(402);
    expect((await s.run("bob")).status).toBe(200);
  });

  it("a budget and the org balance both near empty: neither is overspent, every refusal is a 402 naming which", async () => {
    const s = await setup({ credits: 120 });
    const b = await s.budget({ scope: "org", credits: 100, period: "month" });
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => s.run(`u${i}`)));
    const bodies = await Promise.all(responses.map((r) => r.json()));
    for (const [i, r] of responses.entries()) {
      if (r.status === 200) continue;
      expect(r.status).toBe(402);
      expect(BILLING_CODES).toContain(bodies[i].code);
    }
    const { total } = await charged(s.orgId);
    expect(total).toBeLessThanOrEqual(100);
    const [u] = await usageOf(b.id);
    expect(u).toMatchObject({ subject: "", used: total, spent: total });
    const balance = await expectLedgerEqualsBalance(s.orgId, 120 - total);
    expect(balance).toBeGreaterThanOrEqual(0);
    const ledger = await listLedger(await getDb(), { orgId: s.orgId, limit: 1000 });
    expect(ledger.every((e) => e.balanceAfter >= 0)).toBe(true);
    // The budget (100) is the tighter one: the org still has 120 − total, the budget nothing that fits a run.
    const next = await s.run("late");
    expect(next.status).toBe(402);
    expect((await next.json()).code).toBe("budget_exceeded");
  });

  it("a budget smaller than one run's worst case lets a small run through with its output capped", async () => {
    // Worst case 54 + 1000 = 1054; the budget is 68: 54 for the input, 14 output tokens.
    const s = await setup({ maxOutputTokens: 1000 });
    const b = await s.budget({ scope: "workflow", credits: INPUT + 14, period: "day" });
    const res = await s.run();
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ success: true, status: "completed", result: STORY, credits_charged: COST });
    const [row] = (await charged(s.orgId)).rows;
    expect(row).toMatchObject({ creditsReserved: INPUT + 14, maxOutputTokens: 14, creditsCharged: COST });
    expect((await usageOf(b.id))[0]).toMatchObject({ subject: s.workflowId, used: COST, spent: COST });
    // 50 left: not the input and one token (55).
    const refused = await s.run();
    expect(refused.status).toBe(402);
    expect((await refused.json()).error).toBe('Budget "workflow/day" exhausted for this period');
    await expectLedgerEqualsBalance(s.orgId, 1_000_000 - COST);
  });

  it("the period resets at the UTC boundary: a counter of an earlier period counts nothing", async () => {
    const s = await setup();
    // 70: one run (it reserves 64, is charged 18); the 52 left pay no second one.
    const b = await s.budget({ scope: "key", credits: 70, period: "day" });
    expect((await s.run()).status).toBe(200);
    expect((await s.run()).status).toBe(402);
    // Yesterday's counter (as if the day had turned): today's starts from zero.
    const db = await getDb();
    await db
      .update(budgetUsage)
      .set({ periodStart: sql`${budgetUsage.periodStart} - interval '1 day'` })
      .where(eq(budgetUsage.budgetId, b.id));
    expect((await s.run()).status).toBe(200);
    const usage = await usageOf(b.id);
    expect(usage.map((u) => u.spent).sort()).toEqual([COST, COST]);
    expect(new Set(usage.map((u) => u.periodStart.toISOString())).size).toBe(2);
    const now = new Date();
    const today = usage.find((u) => u.periodStart.getTime() === Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    expect(today).toMatchObject({ subject: s.keyId, used: COST });
    await expectLedgerEqualsBalance(s.orgId, 1_000_000 - 2 * COST);
  });

  it("filters: runs with no end user pass an end_user budget; a stream token's user is the subject, not its body's", async () => {
    const s = await setup();
    const b = await s.budget({ scope: "end_user", credits: 70, period: "day", workflow_id: s.workflowId });
    expect((await s.run()).status).toBe(200);
    expect((await s.run()).status).toBe(200);
    expect(await usageOf(b.id)).toEqual([]);
    expect((await s.run("carol")).status).toBe(200);
    expect((await s.run("carol")).status).toBe(402);
    // A stream token minted for carol is carol's, whatever its body says.
    const minted = await (await apiRequest("/api/v1/token?ttl=60&user=carol", { key: s.key })).json();
    const streamed = await apiRequest(`/api/v1/run/${s.workflowId}/stream?token=${minted.token}`, {
      method: "POST",
      json: { story: STORY, user: "zed" },
    });
    expect(streamed.status).toBe(402);
    expect((await streamed.json()).code).toBe("budget_exceeded");
  });
});

describe("/api/v1/budgets", () => {
  it("an admin key lists, creates, updates and deletes; bad input is a 400 naming the field", async () => {
    const s = await setup();
    const created = await s.budget({ name: "Monthly", scope: "org", credits: 5000, period: "month", alert_at: [80, 50] });
    const list = await (await apiRequest("/api/v1/budgets", { key: s.admin })).json();
    expect(list).toMatchObject({
      success: true,
      budgets: [{ id: created.id, name: "Monthly", alert_at: [50, 80], usage: { spent: 0, held: 0 } }],
    });
    const patched = await apiRequest(`/api/v1/budgets/${created.id}`, { method: "PATCH", key: s.admin, json: { credits: 6000 } });
    expect(await patched.json()).toMatchObject({ success: true, budget: { id: created.id, credits: 6000 } });
    for (const [json, message] of [
      [{ scope: "team", credits: 1, period: "day" }, "scope"],
      [{ scope: "org", credits: 0, period: "day" }, "credits"],
      [{ scope: "org", credits: 1, period: "week" }, "period"],
      [{ scope: "org", credits: 1, period: "day", alert_at: [50, 50] }, "alert_at"],
      [{ scope: "org", credits: 1, period: "day", workflow_id: "wf_nosuchworkflow0000000000" }, "workflow_id"],
    ] as const) {
      const res = await apiRequest("/api/v1/budgets", { method: "POST", key: s.admin, json });
      expect(res.status).toBe(400);
      expect((await res.json()).error).toContain(message);
    }
    const del = await apiRequest(`/api/v1/budgets/${created.id}`, { method: "DELETE", key: s.admin });
    expect(await del.json()).toEqual({ success: true, deleted: created.id });
    expect((await apiRequest(`/api/v1/budgets/${created.id}`, { method: "DELETE", key: s.admin })).status).toBe(404);
    // A run key cannot manage budgets.
    expect((await apiRequest("/api/v1/budgets", { key: s.key })).status).toBe(403);
  });
});
