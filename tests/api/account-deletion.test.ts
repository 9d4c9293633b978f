import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { apiKeys, auditLog, creditLedger, mailDeliveries, member, session, user } from "@/db/schema";
import { createApiKey } from "@/lib/auth/api-keys";
import { resetAuthForTests } from "@/lib/auth/auth";
import { resetEnvForTests } from "@/lib/env";
import { randomAlnum } from "@/lib/ids";
import { authRequest, cookiesOf } from "../support/auth-requests";

// Account deletion through better-auth's /delete-user: refused while the user is the only owner
// of an org with other members; then the person goes and the org's records stay under their id.

beforeAll(() => {
  delete process.env.SMTP_URL;
  delete process.env.REQUIRE_EMAIL_VERIFICATION;
  resetEnvForTests();
  resetAuthForTests();
});
afterAll(() => {
  resetEnvForTests();
  resetAuthForTests();
});

let ipSeq = 0;
const nextIp = () => `100.80.0.${++ipSeq}`;
const PASSWORD = "delete me pw 1";

async function ownerWithOrg() {
  const ip = nextIp();
  const email = `${randomAlnum(10)}@example.com`;
  const up = await authRequest("POST", "/sign-up/email", { body: { email, password: PASSWORD, name: "Del" }, ip });
  const cookie = cookiesOf(up);
  const userId = (await up.json()).user.id as string;
  const org = await authRequest("POST", "/organization/create", { body: { name: "Solo", slug: `solo-${randomAlnum(8)}` }, cookie, ip });
  expect(org.status).toBe(200);
  return { email, cookie, ip, userId, orgId: (await org.json()).id as string };
}

describe("account deletion", () => {
  it("refused while the only owner of an org with other members; once handed over, the person goes and the org's ledger and audit entries stay under the id", async () => {
    const a = await ownerWithOrg();
    const db = await getDb();
    const otherId = randomAlnum(24);
    await db.insert(user).values({ id: otherId, name: "Heir", email: `${otherId}@example.com` });
    await db.insert(member).values({ id: randomAlnum(24), organizationId: a.orgId, userId: otherId, role: "member" });
    const ledgerBefore = await db.select().from(creditLedger).where(eq(creditLedger.orgId, a.orgId));
    expect(ledgerBefore.length).toBeGreaterThan(0);
    const auditBefore = await db.select().from(auditLog).where(eq(auditLog.orgId, a.orgId));
    expect(JSON.stringify(auditBefore)).toContain(a.email);

    const refused = await authRequest("POST", "/delete-user", { body: { password: PASSWORD }, cookie: a.cookie, ip: a.ip });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({
      code: "SOLE_OWNER",
      message: "Make someone else an owner of Solo first (Members), then delete your account",
    });
    expect(await db.select().from(user).where(eq(user.id, a.userId))).toHaveLength(1);

    expect((await authRequest("POST", "/delete-user", { body: { password: "wrong password" }, cookie: a.cookie, ip: a.ip })).status).toBe(
      400,
    );

    await db
      .update(member)
      .set({ role: "owner" })
      .where(and(eq(member.organizationId, a.orgId), eq(member.userId, otherId)));
    const deleted = await authRequest("POST", "/delete-user", { body: { password: PASSWORD }, cookie: a.cookie, ip: a.ip });
    expect(deleted.status).toBe(200);
    expect(await db.select().from(user).where(eq(user.id, a.userId))).toHaveLength(0);
    expect(await db.select().from(session).where(eq(session.userId, a.userId))).toHaveLength(0);
    expect(await db.select().from(member).where(eq(member.userId, a.userId))).toHaveLength(0);
    expect(await db.select().from(creditLedger).where(eq(creditLedger.orgId, a.orgId))).toEqual(ledgerBefore);
    const auditAfter = await db.select().from(auditLog).where(eq(auditLog.orgId, a.orgId));
    expect(auditAfter.filter((e) => e.actorId === a.userId).length).toBeGreaterThanOrEqual(
      auditBefore.filter((e) => e.actorId === a.userId).length + 1,
    );
    expect(auditAfter.find((e) => e.action === "member.account_deleted")).toMatchObject({
      actorId: a.userId,
      targetId: a.userId,
      details: { keys_revoked: false },
    });
    expect(JSON.stringify(auditAfter)).not.toContain(a.email);
    expect(
      await db
        .select()
        .from(mailDeliveries)
        .where(and(eq(mailDeliveries.toAddress, a.email), eq(mailDeliveries.kind, "account-deleted"))),
    ).toHaveLength(1);
  });

  it("an org with nobody else keeps its records and its API keys are revoked", async () => {
    const c = await ownerWithOrg();
    const key = await createApiKey({ orgId: c.orgId, name: "ci" });
    expect((await authRequest("POST", "/delete-user", { body: { password: PASSWORD }, cookie: c.cookie, ip: c.ip })).status).toBe(200);
    const db = await getDb();
    const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(row!.revokedAt).toBeInstanceOf(Date);
    expect(await db.select().from(creditLedger).where(eq(creditLedger.orgId, c.orgId))).not.toHaveLength(0);
  });
});
