import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { sumLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { apiKeys, runs } from "@/db/schema";
import { createApiKey, type KeyOptions } from "@/lib/auth/api-keys";
import { capPeriodStart } from "@/lib/credits/key-cap";
import { createOrg } from "@/lib/orgs/create-org";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { expectLedgerEqualsBalance } from "../support/ledger";
import { apiRequest } from "../support/routes";

// Scoped keys and tokens: workflow lists, credit caps (with refill), per-key rate limits,
// expiry, allowed origins, and stream tokens narrowed at mint. Errors keep the seed shapes.

const SEED = {
  notFound: { error: "Workflow not found", success: false, code: "workflow_not_found" },
  billing: { error: "No credits remaining. Please add credits to continue using the service.", success: false, code: "invalid_billing" },
  unauthorized: { error: "Unauthorized. Please provide a valid secret key.", success: false },
  rateLimited: { error: "Rate limit exceeded", success: false },
};

async function setup(opts: KeyOptions & { credits?: number; maxOutputTokens?: number } = {}) {
  const { credits = 1_000_000, maxOutputTokens = 50, ...keyOpts } = opts;
  const org = await createOrg({ name: "Scoped", credits });
  const a = await createWorkflow({
    orgId: org.org_id,
    name: "A",
    template: "Write {{story}}",
    model: "offline:echo",
    publish: true,
    maxOutputTokens,
  });
  const b = await createWorkflow({
    orgId: org.org_id,
    name: "B",
    template: "Write {{story}}",
    model: "offline:echo",
    publish: true,
    maxOutputTokens,
  });
  const key = await createApiKey({
    orgId: org.org_id,
    ...keyOpts,
    workflowIds:
      keyOpts.workflowIds === undefined
        ? undefined
        : keyOpts.workflowIds?.map((w) => (w === "A" ? a.workflow_id : w === "B" ? b.workflow_id : w)),
  });
  return { orgId: org.org_id, a: a.workflow_id, b: b.workflow_id, key: key.key, keyId: key.id };
}

const run = (wf: string, key: string, headers: Record<string, string> = {}) =>
  apiRequest(`/api/v1/run/${wf}`, { method: "POST", json: { story: "a dog" }, key, headers });
const mint = async (key: string, query = "") => {
  const res = await apiRequest(`/api/v1/token?ttl=60${query}`, { key });
  return { res, body: await res.json() };
};
const stream = (wf: string, token: string, headers: Record<string, string> = {}) =>
  apiRequest(`/api/v1/run/${wf}/stream?token=${token}`, { method: "POST", json: { story: "a dog" }, headers });

describe("workflow-scoped keys", () => {
  it("run and describe only the listed workflows; others are 404 like unknown ones", async () => {
    const s = await setup({ workflowIds: ["A"] });
    expect((await run(s.a, s.key)).status).toBe(200);
    const other = await run(s.b, s.key);
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject(SEED.notFound);
    expect((await apiRequest(`/api/v1/workflows/${s.b}`, { key: s.key })).status).toBe(404);
    expect((await apiRequest(`/api/v1/workflows/${s.a}`, { key: s.key })).status).toBe(200);
    // Its stream tokens inherit the scope.
    const { body } = await mint(s.key);
    expect((await stream(s.b, body.token)).status).toBe(404);
  });

  it("a token narrowed to one workflow runs only that one, and cannot widen its key", async () => {
    const s = await setup();
    const narrowed = await mint(s.key, `&workflow_id=${s.a}`);
    expect(narrowed.body).toMatchObject({ success: true, workflow_id: s.a });
    expect((await stream(s.b, narrowed.body.token)).status).toBe(404);
    const again = await mint(s.key, `&workflow_id=${s.a}`);
    expect((await stream(s.a, again.body.token)).status).toBe(200);

    const scoped = await setup({ workflowIds: ["A"] });
    const widen = await mint(scoped.key, `&workflow_id=${scoped.b}`);
    expect(widen.res.status).toBe(404);
    expect(widen.body).toMatchObject(SEED.notFound);
  });
});

describe("credit caps", () => {
  it("a capped key stops at its cap with the seed's 402 while the org still has credits; nothing is lost", async () => {
    const s = await setup({ creditCap: 200, creditCapPeriod: "total" });
    let ok = 0;
    let last: Response | null = null;
    for (let i = 0; i < 60; i++) {
      last = await run(s.a, s.key);
      if (last.status !== 200) break;
      ok++;
    }
    expect(ok).toBeGreaterThan(3);
    expect(last!.status).toBe(402);
    expect(await last!.json()).toMatchObject({ ...SEED.billing, reason: "key_credit_cap" });
    const db = await getDb();
    const charged = (await db.select({ c: runs.creditsCharged }).from(runs).where(eq(runs.apiKeyId, s.keyId))).reduce((n, r) => n + r.c, 0);
    const [key] = await db.select().from(apiKeys).where(eq(apiKeys.id, s.keyId));
    expect(charged).toBeLessThanOrEqual(200);
    expect(key!.capUsed).toBe(charged);
    const org = (await getOrg(db, s.orgId))!;
    expect(org.creditBalance).toBe(1_000_000 - charged);
    expect(await sumLedger(db, s.orgId)).toBe(org.creditBalance);
  });

  it("40 concurrent runs on a capped key never spend past the cap, and leave nothing reserved", async () => {
    const s = await setup({ creditCap: 300, creditCapPeriod: "day" });
    const statuses = await Promise.all(Array.from({ length: 40 }, () => run(s.a, s.key).then((r) => r.status)));
    expect(
      statuses.every((x) => x === 200 || x === 402),
      String(statuses),
    ).toBe(true);
    expect(statuses.filter((x) => x === 402).length).toBeGreaterThan(0);
    const db = await getDb();
    const rows = await db.select().from(runs).where(eq(runs.apiKeyId, s.keyId));
    expect(rows.every((r) => r.status === "completed")).toBe(true);
    const charged = rows.reduce((n, r) => n + r.creditsCharged, 0);
    expect(charged).toBeLessThanOrEqual(300);
    const [key] = await db.select().from(apiKeys).where(eq(apiKeys.id, s.keyId));
    expect(key!.capUsed).toBe(charged);
    await expectLedgerEqualsBalance(s.orgId);
  });

  it("a daily cap refills when the next UTC day starts", async () => {
    const s = await setup({ creditCap: 100, creditCapPeriod: "day" });
    const db = await getDb();
    // Yesterday's period is spent to the last credit.
    const yesterday = new Date(capPeriodStart("day").getTime() - 86_400_000);
    await db.update(apiKeys).set({ capUsed: 100, capPeriodStart: yesterday }).where(eq(apiKeys.id, s.keyId));
    expect((await run(s.a, s.key)).status).toBe(200);
    const [key] = await db.select().from(apiKeys).where(eq(apiKeys.id, s.keyId));
    expect(key!.capPeriodStart!.getTime()).toBe(capPeriodStart("day").getTime());
    expect(key!.capUsed).toBeGreaterThan(0);
    expect(key!.capUsed).toBeLessThan(100);
  });

  it("a stream token's max_credits caps what its run may reserve; too small is the seed's 402", async () => {
    const s = await setup({ maxOutputTokens: 500 });
    const { body } = await mint(s.key, "&max_credits=150");
    expect(body.max_credits).toBe(150);
    const res = await stream(s.a, body.token);
    expect(res.status).toBe(200);
    await res.text();
    const runId = res.headers.get("x-run-id")!;
    const [row] = await (await getDb()).select().from(runs).where(eq(runs.id, runId));
    expect(row!.creditsReserved).toBeLessThanOrEqual(150);
    expect(row!.maxOutputTokens).toBeLessThan(500);
    const tiny = await mint(s.key, "&max_credits=1");
    const refused = await stream(s.a, tiny.body.token);
    expect(refused.status).toBe(402);
    expect(await refused.json()).toMatchObject({ ...SEED.billing, reason: "token_max_credits" });
    for (const bad of ["0", "-5", "abc", "1.5"]) {
      const r = await mint(s.key, `&max_credits=${bad}`);
      expect(r.res.status, bad).toBe(400);
      expect(r.body).toMatchObject({ success: false, code: "invalid_request" });
    }
  });
});

describe("per-key rate limit, expiry and origins", () => {
  it("a key's own rate limit answers 429 with the seed's body", async () => {
    const s = await setup({ rateLimitPerMinute: 2 });
    expect((await run(s.a, s.key)).status).toBe(200);
    expect((await run(s.a, s.key)).status).toBe(200);
    const third = await run(s.a, s.key);
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject(SEED.rateLimited);
  });

  it("an expired key is the seed's 401, and so is a token minted before it expired", async () => {
    const s = await setup({ expiresAt: new Date(Date.now() + 60_000) });
    const { body } = await mint(s.key);
    await (
      await getDb()
    )
      .update(apiKeys)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiKeys.id, s.keyId));
    const res = await run(s.a, s.key);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject(SEED.unauthorized);
    expect((await stream(s.a, body.token)).status).toBe(401);
  });

  it("with allowed origins, only those get a CORS grant; another origin gets 403 and none", async () => {
    const s = await setup({ allowedOrigins: ["https://app.example.com"] });
    const allowed = await stream(s.a, (await mint(s.key)).body.token, { origin: "https://app.example.com" });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
    await allowed.text();
    const evil = await stream(s.a, (await mint(s.key)).body.token, { origin: "https://evil.example" });
    expect(evil.status).toBe(403);
    expect(evil.headers.get("access-control-allow-origin")).toBeNull();
    expect(await evil.json()).toMatchObject({ success: false, code: "forbidden" });
    // No Origin header: a server, not a browser.
    const server = await stream(s.a, (await mint(s.key)).body.token);
    expect(server.status).toBe(200);
    await server.text();
    // An unrestricted key keeps granting any origin.
    const open = await setup();
    const any = await stream(open.a, (await mint(open.key)).body.token, { origin: "https://evil.example" });
    expect(any.headers.get("access-control-allow-origin")).toBe("*");
    await any.text();
  });
});

describe("scope on reads, and periods that never move backwards", () => {
  it("a workflow-scoped key sees only its workflows' runs, sessions and usage; others are not found", async () => {
    const s = await setup();
    const scoped = await createApiKey({ orgId: s.orgId, workflowIds: [s.a] });
    const runA = await (
      await apiRequest(`/api/v1/run/${s.a}`, { method: "POST", json: { story: "a", session_id: "chat_1" }, key: s.key })
    ).json();
    const runB = await (
      await apiRequest(`/api/v1/run/${s.b}`, { method: "POST", json: { story: "b", session_id: "chat_1" }, key: s.key })
    ).json();
    const list = await (await apiRequest("/api/v1/runs", { key: scoped.key })).json();
    expect(list.runs.map((r: { run_id: string }) => r.run_id)).toEqual([runA.run_id]);
    expect((await apiRequest(`/api/v1/runs/${runB.run_id}`, { key: scoped.key })).status).toBe(404);
    expect((await apiRequest(`/api/v1/runs/${runA.run_id}`, { key: scoped.key })).status).toBe(200);
    expect((await apiRequest(`/api/v1/runs/${runB.run_id}/cancel`, { method: "POST", key: scoped.key })).status).toBe(404);
    const session = await (await apiRequest("/api/v1/sessions/chat_1", { key: scoped.key })).json();
    expect(session.turns.map((t: { run_id: string }) => t.run_id)).toEqual([runA.run_id]);
    const usage = await (await apiRequest("/api/v1/usage?group_by=workflow", { key: scoped.key })).json();
    expect(usage.groups.map((g: { workflow: string }) => g.workflow)).toEqual([s.a]);
    // The unscoped key still sees both.
    expect((await (await apiRequest("/api/v1/runs", { key: s.key })).json()).runs).toHaveLength(2);
  });

  it("a caller behind a period rollover counts against the newer period instead of resetting it", async () => {
    const s = await setup({ creditCap: 100, creditCapPeriod: "day" });
    const db = await getDb();
    // Another instance (clock ahead) already started tomorrow's period and spent it all.
    const tomorrow = new Date(capPeriodStart("day").getTime() + 86_400_000);
    await db.update(apiKeys).set({ capUsed: 100, capPeriodStart: tomorrow }).where(eq(apiKeys.id, s.keyId));
    const res = await run(s.a, s.key);
    expect(res.status).toBe(402);
    expect(await res.json()).toMatchObject({ reason: "key_credit_cap" });
    const [key] = await db.select().from(apiKeys).where(eq(apiKeys.id, s.keyId));
    expect(key!.capPeriodStart!.getTime()).toBe(tomorrow.getTime());
    expect(key!.capUsed).toBe(100);
  });

  it("a token minted for an end user keeps that attribution whatever the body says", async () => {
    const s = await setup();
    const { body } = await mint(s.key, "&user=alice");
    const res = await apiRequest(`/api/v1/run/${s.a}/stream?token=${body.token}`, {
      method: "POST",
      json: { story: "x", user: "mallory" },
    });
    await res.text();
    const [row] = await (
      await getDb()
    )
      .select()
      .from(runs)
      .where(eq(runs.id, res.headers.get("x-run-id")!));
    expect(row!.endUser).toBe("alice");
  });
});
