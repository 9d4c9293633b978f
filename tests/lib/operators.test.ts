import { and, asc, eq } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { listLedger } from "@/db/queries/credits";
import { auditLog } from "@/db/schema";
import { resetEnvForTests } from "@/lib/env";
import { addOperator, isOperator, listOperators, removeOperator } from "@/lib/operator/operators";
import { adjustOrgCredits } from "@/lib/operator/org-actions";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { randomAlnum } from "@/lib/ids";
import { createFixture } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";

// Who is an operator (FLOWGATE_OPERATOR_EMAILS and the operators table, verified addresses only),
// the operator's credit adjustments, and the admin CLI's operator, org and credits commands.

const setOperatorEnv = (value: string | undefined) => {
  if (value === undefined) delete process.env.FLOWGATE_OPERATOR_EMAILS;
  else process.env.FLOWGATE_OPERATOR_EMAILS = value;
  resetEnvForTests();
};
afterEach(() => setOperatorEnv(undefined));

const admin = async (...argv: string[]) => JSON.parse(JSON.stringify(await runAdminCommand(argv)));
const fresh = () => `${randomAlnum(10)}@example.com`;

describe("isOperator", () => {
  it("FLOWGATE_OPERATOR_EMAILS, case and spaces aside, verified addresses only", async () => {
    const a = fresh();
    setOperatorEnv(` Other@example.com , ${a.toUpperCase()} ,`);
    expect(await isOperator({ email: a, emailVerified: true })).toBe(true);
    expect(await isOperator({ email: "other@EXAMPLE.com", emailVerified: true })).toBe(true);
    expect(await isOperator({ email: a, emailVerified: false })).toBe(false);
    expect(await isOperator({ email: fresh(), emailVerified: true })).toBe(false);
    setOperatorEnv("");
    expect(await isOperator({ email: a, emailVerified: true })).toBe(false);
  });

  it("the operators table, through the admin CLI: add, list, remove; unverified never counts", async () => {
    const b = fresh();
    expect(await isOperator({ email: b, emailVerified: true })).toBe(false);
    expect(await admin("operator", "add", "--email", b.toUpperCase())).toEqual({ email: b, added: true });
    expect(await admin("operator", "add", "--email", b)).toEqual({ email: b, added: false });
    expect(await isOperator({ email: b, emailVerified: true })).toBe(true);
    expect(await isOperator({ email: b, emailVerified: false })).toBe(false);
    setOperatorEnv("env-op@example.com");
    const { operators } = await admin("operator", "list");
    expect(operators).toEqual(
      expect.arrayContaining([
        { email: "env-op@example.com", source: "env", added_by: null, created_at: null },
        { email: b, source: "table", added_by: "cli", created_at: expect.stringMatching(/^\d{4}-/) },
      ]),
    );
    expect(await admin("operator", "remove", "--email", b)).toEqual({ email: b, removed: true, still_operator_by_env: false });
    expect(await isOperator({ email: b, emailVerified: true })).toBe(false);
    await expect(admin("operator", "remove", "--email", b)).rejects.toMatchObject({ code: "not_found" });
    await expect(admin("operator", "add", "--email", "not-an-address")).rejects.toMatchObject({ code: "invalid_request" });
    await expect(admin("operator", "add")).rejects.toMatchObject({ message: expect.stringMatching(/^--email is required/) });
    // The library's own calls say the same.
    expect(await addOperator({ email: b, addedBy: "ops@example.com" })).toEqual({ email: b, added: true });
    expect((await listOperators()).find((o) => o.email === b)).toMatchObject({ added_by: "ops@example.com" });
    expect(await removeOperator({ email: b })).toMatchObject({ removed: true });
  });
});

describe("adjustOrgCredits", () => {
  it("grants and removes as adjust ledger entries with the reason, audited with the operator; never below zero", async () => {
    const f = await createFixture({ credits: 1000 });
    const op = { userId: "user_ops", label: "ops@example.com" };
    expect(await adjustOrgCredits({ orgId: f.orgId, amount: 500, reason: "goodwill", operator: op })).toEqual({
      org_id: f.orgId,
      amount: 500,
      balance: 1500,
      reason: "goodwill",
    });
    expect(await adjustOrgCredits({ orgId: f.orgId, amount: -1200, reason: "chargeback", operator: op })).toMatchObject({ balance: 300 });
    await expect(adjustOrgCredits({ orgId: f.orgId, amount: -301, reason: "too much", operator: op })).rejects.toMatchObject({
      code: "invalid_request",
      message: "Cannot remove 301 credits: the balance is 300",
    });
    await expect(adjustOrgCredits({ orgId: f.orgId, amount: 0, reason: "x", operator: op })).rejects.toMatchObject({
      code: "invalid_request",
    });
    await expect(adjustOrgCredits({ orgId: f.orgId, amount: 1.5, reason: "x", operator: op })).rejects.toMatchObject({
      code: "invalid_request",
    });
    await expect(adjustOrgCredits({ orgId: f.orgId, amount: 5, reason: " ", operator: op })).rejects.toMatchObject({
      message: "A reason is required",
    });
    await expect(adjustOrgCredits({ orgId: "org_nosuchorg", amount: 5, reason: "x", operator: op })).rejects.toMatchObject({
      code: "not_found",
    });
    await expectLedgerEqualsBalance(f.orgId, 300);
    const db = await getDb();
    const adjustments = (await listLedger(db, { orgId: f.orgId })).filter((e) => e.kind === "adjust");
    expect(adjustments.map((e) => [e.amount, e.note]).sort()).toEqual([
      [-1200, "chargeback"],
      [500, "goodwill"],
    ]);
    const audit = await db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.orgId, f.orgId), eq(auditLog.action, "credits.adjust")))
      .orderBy(asc(auditLog.id));
    expect(audit.map((e) => [e.actorId, e.details])).toEqual([
      ["user_ops", { operator: "ops@example.com", reason: "goodwill", amount: 500, balance_after: 1500 }],
      ["user_ops", { operator: "ops@example.com", reason: "chargeback", amount: -1200, balance_after: 300 }],
    ]);
  });
});

describe("admin CLI: credits grant --reason, org suspend / unsuspend", () => {
  it("grant and remove with a reason (audited as the cli); suspend and unsuspend an org", async () => {
    const f = await createFixture({ credits: 1000 });
    await expect(admin("credits", "grant", "--org", f.orgId, "--amount", "5")).rejects.toMatchObject({
      message: expect.stringMatching(/^--reason is required/),
    });
    expect(await admin("credits", "grant", "--org", f.orgId, "--amount", "5", "--reason", "support ticket 12")).toEqual({
      org_id: f.orgId,
      granted: 5,
      balance: 1005,
      reason: "support ticket 12",
    });
    expect(await admin("credits", "grant", "--org", f.orgId, "--amount=-1005", "--reason", "refund reversed")).toMatchObject({
      balance: 0,
    });
    await expect(admin("credits", "grant", "--org", f.orgId, "--amount=-1", "--reason", "x")).rejects.toMatchObject({
      message: "Cannot remove 1 credits: the balance is 0",
    });
    await expectLedgerEqualsBalance(f.orgId, 0);

    await expect(admin("org", "suspend", "--org", f.orgId)).rejects.toMatchObject({
      message: expect.stringMatching(/^--reason is required/),
    });
    expect(await admin("org", "suspend", "--org", f.orgId, "--reason", "abuse report 7")).toEqual({
      org_id: f.orgId,
      suspended: true,
      reason: "abuse report 7",
      already_suspended: false,
      canceled_runs: 0,
    });
    await expect(admin("key", "create", "--org", f.orgId)).rejects.toMatchObject({ code: "org_suspended" });
    expect(await admin("org", "unsuspend", "--org", f.orgId)).toEqual({ org_id: f.orgId, suspended: false, reason: "" });
    await expect(admin("org", "unsuspend", "--org", f.orgId)).rejects.toMatchObject({ message: "Organization is not suspended" });
    // In the order written (a SELECT without ORDER BY has none on PostgreSQL).
    const audit = await (await getDb()).select().from(auditLog).where(eq(auditLog.orgId, f.orgId)).orderBy(asc(auditLog.id));
    expect(audit.filter((e) => e.targetId === f.orgId).map((e) => [e.action, e.actorId, e.details.operator, e.details.reason])).toEqual([
      ["credits.adjust", null, "cli", "support ticket 12"],
      ["credits.adjust", null, "cli", "refund reversed"],
      ["org.suspend", null, "cli", "abuse report 7"],
      ["org.unsuspend", null, "cli", ""],
    ]);
  });
});
