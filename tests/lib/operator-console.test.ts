import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import {
  billingAccounts,
  billingProblems,
  creditPacks,
  creditPurchases,
  jobs,
  mailDeliveries,
  member,
  organization,
  user,
  webhookDeliveries,
  webhookEndpoints,
} from "@/db/schema";
import { newId, randomAlnum } from "@/lib/ids";
import { breakerFailed, breakerState } from "@/lib/llm/circuit-breaker";
import { adjustOrgCredits, suspendOrg } from "@/lib/operator/org-actions";
import { instanceHealth } from "@/lib/operator-console/instance-health";
import { listOperatorOrgs, ORGS_PAGE_SIZE, pageNumber } from "@/lib/operator-console/list-orgs";
import { LEDGER_PAGE_SIZE, operatorOrgDetail } from "@/lib/operator-console/org-detail";
import { createOrg } from "@/lib/orgs/create-org";
import { createFixture, runPublished } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";

// The operator console's reads on the real database (PGlite, and PostgreSQL with DATABASE_URL):
// the org list's search, paging, 30-day usage, members, status and billing flags; an org's page
// (ledger paging, keys without hashes, webhooks' health); the instance's health aggregates.

const operator = { label: "ops@example.com" };

async function addMember(orgId: string, email: string) {
  const db = await getDb();
  const id = randomAlnum(24);
  // better-auth's organization row, which a CLI-created org (createFixture) does not have.
  await db
    .insert(organization)
    .values({ id: orgId, name: "Org", slug: `org-${randomAlnum(10)}` })
    .onConflictDoNothing();
  await db.insert(user).values({ id, name: email, email });
  await db.insert(member).values({ id: randomAlnum(24), organizationId: orgId, userId: id, role: "member" });
}

describe("operator console: the org list", () => {
  it("searches by name, org id and a member's e-mail; shows balance, 30-day runs and credits, members, status and flags", async () => {
    const tag = randomAlnum(10).toLowerCase();
    const f = await createFixture({ credits: 50_000 });
    const db = await getDb();
    // The fixture's org gets a searchable name, a member, two runs, a suspension and billing flags.
    const { orgs } = await import("@/db/schema");
    await db
      .update(orgs)
      .set({ name: `Acme ${tag}` })
      .where(eq(orgs.id, f.orgId));
    await addMember(f.orgId, `someone.${tag}@customer.example`);
    await runPublished(f, { story: "a short one" });
    await runPublished(f, { story: "another" });
    await suspendOrg({ orgId: f.orgId, reason: "abuse report 42", operator });
    await db.insert(billingAccounts).values({ orgId: f.orgId, flaggedAt: new Date(), flagReason: "dispute dp_1 opened" });
    await db.insert(billingProblems).values({ orgId: f.orgId, kind: "dispute", stripeEventId: `evt_${tag}`, detail: {} });
    const [pack] = await db
      .insert(creditPacks)
      .values({ id: newId.creditPack(), name: "P", credits: 10, priceCents: 100, currency: "usd" })
      .returning();
    await db.insert(creditPurchases).values({
      id: `pur_${randomAlnum(24)}`,
      orgId: f.orgId,
      packId: pack!.id,
      source: "checkout",
      credits: 10,
      priceCents: 100,
      currency: "usd",
      status: "paid",
      creditsRefunded: 7,
    });
    const other = await createOrg({ name: `Other ${tag}`, credits: 5 });

    const byName = await listOperatorOrgs({ search: `acme ${tag}` });
    expect(byName.orgs.map((o) => o.id)).toEqual([f.orgId]);
    const row = byName.orgs[0]!;
    const charged = (await operatorOrgDetail(f.orgId))!.days.reduce((n, d) => n + d.credits, 0);
    expect(row).toMatchObject({ name: `Acme ${tag}`, runs30d: 2, members: 1, suspended: true, suspendedReason: "abuse report 42" });
    expect(row.credits30d).toBe(charged);
    expect(row.credits30d).toBeGreaterThan(0);
    expect(row.balance).toBe(await expectLedgerEqualsBalance(f.orgId));
    expect(row.flags.map((x) => x.kind)).toEqual(["dispute", "billing_problem", "refund"]);
    expect(row.flags[2]!.label).toBe("7 credits refunded");

    expect((await listOperatorOrgs({ search: f.orgId })).orgs.map((o) => o.id)).toEqual([f.orgId]);
    expect((await listOperatorOrgs({ search: `SOMEONE.${tag}@` })).orgs.map((o) => o.id)).toEqual([f.orgId]);
    const both = await listOperatorOrgs({ search: tag });
    expect(both.orgs.map((o) => o.id).sort()).toEqual([f.orgId, other.org_id].sort());
    expect(both.orgs.find((o) => o.id === other.org_id)).toMatchObject({ suspended: false, runs30d: 0, members: 0, flags: [] });
    // LIKE's wildcards are the text itself, not patterns.
    expect((await listOperatorOrgs({ search: `%${tag}` })).orgs).toEqual([]);
    expect((await listOperatorOrgs({ search: "_" })).orgs.every((o) => o.name.includes("_") || o.id.includes("_"))).toBe(true);
  });

  it("pages by 25, newest first, with a next page only when there is one; page numbers are bounded", async () => {
    const tag = randomAlnum(10).toLowerCase();
    const ids: string[] = [];
    for (let i = 0; i < ORGS_PAGE_SIZE + 2; i++) {
      // created_at ties (one millisecond) are broken by id: the newest is apart from the rest.
      if (i === ORGS_PAGE_SIZE + 1) await new Promise((r) => setTimeout(r, 5));
      ids.push((await createOrg({ name: `Paged ${tag} ${i}` })).org_id);
    }
    const one = await listOperatorOrgs({ search: `paged ${tag}`, page: 1 });
    const two = await listOperatorOrgs({ search: `paged ${tag}`, page: 2 });
    expect(one.orgs).toHaveLength(ORGS_PAGE_SIZE);
    expect(one.hasNext).toBe(true);
    expect(two.orgs).toHaveLength(2);
    expect(two.hasNext).toBe(false);
    expect(new Set([...one.orgs, ...two.orgs].map((o) => o.id))).toEqual(new Set(ids));
    expect(one.orgs[0]!.name).toBe(`Paged ${tag} ${ORGS_PAGE_SIZE + 1}`);
    expect([pageNumber("0"), pageNumber("-3"), pageNumber("abc"), pageNumber(undefined), pageNumber("1e9")]).toEqual([1, 1, 1, 1, 400]);
  });
});

describe("operator console: an org's page", () => {
  it("pages the ledger, lists keys by prefix (never a hash), counts webhook deliveries and shows the operator's audit entries", async () => {
    const f = await createFixture({ credits: 1_000 });
    for (let i = 1; i <= LEDGER_PAGE_SIZE + 3; i++) await adjustOrgCredits({ orgId: f.orgId, amount: i, reason: `grant ${i}`, operator });
    const d = (await operatorOrgDetail(f.orgId))!;
    expect(d.ledger.entries).toHaveLength(LEDGER_PAGE_SIZE);
    expect(d.ledger.hasNext).toBe(true);
    expect(d.ledger.entries[0]).toMatchObject({ kind: "adjust", amount: LEDGER_PAGE_SIZE + 3, note: `grant ${LEDGER_PAGE_SIZE + 3}` });
    const older = (await operatorOrgDetail(f.orgId, { ledgerPage: 2 }))!;
    expect(older.ledger.entries.map((e) => e.note)).toEqual(["grant 3", "grant 2", "grant 1", "opening balance"]);
    expect(older.ledger.hasNext).toBe(false);
    expect(d.org.balance).toBe(await expectLedgerEqualsBalance(f.orgId));

    expect(d.keys).toHaveLength(1);
    expect(Object.keys(d.keys[0]!)).not.toContain("keyHash");
    expect(JSON.stringify(d)).not.toMatch(/[0-9a-f]{64}/); // no SHA-256 hex anywhere
    expect(d.audit[0]).toMatchObject({
      action: "credits.adjust",
      details: { operator: operator.label, reason: `grant ${LEDGER_PAGE_SIZE + 3}` },
    });

    const db = await getDb();
    const endpointId = `wh_${randomAlnum(24)}`;
    await db
      .insert(webhookEndpoints)
      .values({ id: endpointId, orgId: f.orgId, url: "https://hooks.example/x", events: ["run.completed"], secret: "whsec_x" });
    const old = new Date(Date.now() - 8 * 86_400_000);
    for (const [status, createdAt] of [
      ["delivered", new Date()],
      ["delivered", new Date()],
      ["failed", new Date()],
      ["pending", new Date()],
      ["failed", old],
    ] as const)
      await db.insert(webhookDeliveries).values({
        id: `msg_${randomAlnum(24)}`,
        orgId: f.orgId,
        endpointId,
        eventType: "run.completed",
        payload: {},
        status,
        createdAt,
      });
    const w = (await operatorOrgDetail(f.orgId))!.webhooks;
    expect(w).toEqual([expect.objectContaining({ id: endpointId, delivered: 2, failed: 1, pending: 1 })]);
    expect(JSON.stringify(w)).not.toContain("whsec_");
    expect(await operatorOrgDetail("org_doesnotexist")).toBeNull();
  });
});

describe("operator console: instance health", () => {
  it("counts runs and failures per minute, jobs per kind with the oldest's age, webhook failures per hour and mail by status", async () => {
    const before = await instanceHealth();
    const f = await createFixture();
    await runPublished(f, { story: "one" });
    await runPublished(f, { story: "two" });
    const db = await getDb();
    // A job scheduled far ahead (no worker claims it), enqueued an hour ago.
    const [job] = await db
      .insert(jobs)
      .values({ kind: "eval", payload: {}, runAt: new Date(Date.now() + 86_400_000), createdAt: new Date(Date.now() - 3_600_000) })
      .returning();
    const endpointId = `wh_${randomAlnum(24)}`;
    await db
      .insert(webhookEndpoints)
      .values({ id: endpointId, orgId: f.orgId, url: "https://hooks.example/y", events: ["run.completed"], secret: "whsec_y" });
    for (const status of ["delivered", "delivered", "delivered", "failed"] as const)
      await db
        .insert(webhookDeliveries)
        .values({ id: `msg_${randomAlnum(24)}`, orgId: f.orgId, endpointId, eventType: "run.completed", payload: {}, status });
    await db.insert(mailDeliveries).values({
      id: `mail_${randomAlnum(24)}`,
      kind: "notice",
      toAddress: "x@example.com",
      subject: "s",
      status: "failed",
      lastError: "550",
    });
    try {
      const after = await instanceHealth();
      expect(after.runs).toHaveLength(60);
      expect(after.webhooks).toHaveLength(24);
      const sum = (h: typeof before, k: "runs" | "errors") => h.runs.reduce((n, m) => n + m[k], 0);
      // Other minutes may have aged out between the two reads: compare the current minute's window loosely.
      expect(sum(after, "runs")).toBeGreaterThanOrEqual(2);
      expect(after.runs.at(-1)!.runs + after.runs.at(-2)!.runs).toBeGreaterThanOrEqual(2);
      const kind = (h: typeof before) => h.queue.find((q) => q.kind === "eval")!;
      expect(after.queue.map((q) => q.kind)).toEqual(["run", "webhook", "run-event", "auto-top-up", "eval", "mail", "budget-alert"]);
      expect(kind(after).depth).toBe(kind(before).depth + 1);
      expect(kind(after).due).toBe(kind(before).due);
      expect(kind(after).oldestAgeS).toBeGreaterThanOrEqual(3_590);
      const hour = (h: typeof before) => h.webhooks.at(-1)!;
      expect(hour(after).delivered - hour(before).delivered).toBe(3);
      expect(hour(after).failed - hour(before).failed).toBe(1);
      expect(after.webhookFailureRate).toBeGreaterThan(0);
      const mail = (h: typeof before) => h.mail.find((m) => m.status === "failed")!.count;
      expect(mail(after)).toBe(mail(before) + 1);
      expect(after.recentMail[0]).toMatchObject({ toAddress: "x@example.com", status: "failed", lastError: "550" });
    } finally {
      await db.delete(jobs).where(eq(jobs.id, job!.id));
    }
  });

  it("the providers' breaker state as the console shows it", () => {
    const name = `prov-${randomAlnum(6).toLowerCase()}`;
    expect(breakerState(name)).toMatchObject({ failures: 0, state: "closed", openUntil: null });
    const threshold = breakerState(name).threshold;
    // One failure a second: a row of them over more than LLM_BREAKER_SPAN_MS (1 s), as a dead provider's are.
    for (let i = 0; i < threshold; i++) breakerFailed(name, Date.now() - 1000 * (threshold - 1 - i));
    const open = breakerState(name);
    expect(open).toMatchObject({ failures: threshold, state: "open" });
    expect(open.openUntil!.getTime()).toBeGreaterThan(Date.now());
    expect(breakerState(name, open.openUntil!.getTime() + 1).state).toBe("half-open");
  });
});
