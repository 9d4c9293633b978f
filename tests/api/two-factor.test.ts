import { eq } from "drizzle-orm";
import * as OTPAuth from "otpauth";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db";
import { mailDeliveries, member, session, user } from "@/db/schema";
import { resetAuthForTests } from "@/lib/auth/auth";
import { authorizeActor, TWO_FACTOR_REQUIRED } from "@/lib/auth/org-action";
import { resetEnvForTests } from "@/lib/env";
import { randomAlnum } from "@/lib/ids";
import { setRequireTwoFactorAction } from "@/app/dashboard/members/actions";
import { authRequest, cookiesOf } from "../support/auth-requests";
import { createDashboardOrg } from "../support/dashboard-org";

// Two-factor sign-in with better-auth's twoFactor plugin: TOTP codes computed here from the
// enrolled secret (otpauth, an implementation independent of better-auth's), backup codes, the
// org rule that sends members without it to enrol, and sessions signed out everywhere.

const saved = { ...process.env };
beforeAll(() => {
  delete process.env.SMTP_URL;
  delete process.env.REQUIRE_EMAIL_VERIFICATION;
  resetEnvForTests();
  resetAuthForTests();
});
afterAll(() => {
  if (saved.SMTP_URL) process.env.SMTP_URL = saved.SMTP_URL;
  resetEnvForTests();
  resetAuthForTests();
});

/** Cookies as a browser keeps them: later Set-Cookie headers replace earlier ones of the same name. */
function jar(...responses: Response[]) {
  const map = new Map<string, string>();
  for (const r of responses) {
    for (const c of r.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const [name, ...rest] = pair!.split("=");
      if (/max-age=0/i.test(c)) map.delete(name!);
      else map.set(name!, rest.join("="));
    }
  }
  return [...map].map(([k, v]) => `${k}=${v}`).join("; ");
}
let ipSeq = 0;
const nextIp = () => `100.64.0.${++ipSeq}`;
const PASSWORD = "two factor pw 1";

async function enrolledUser() {
  const ip = nextIp();
  const email = `${randomAlnum(10)}@example.com`;
  const up = await authRequest("POST", "/sign-up/email", { body: { email, password: PASSWORD, name: "Tess" }, ip });
  const cookie = cookiesOf(up);
  const enable = await authRequest("POST", "/two-factor/enable", { body: { password: PASSWORD }, cookie, ip });
  expect(enable.status).toBe(200);
  const { totpURI, backupCodes } = await enable.json();
  const totp = OTPAuth.URI.parse(totpURI) as OTPAuth.TOTP;
  expect(totp.issuer).toBe("Flowgate");
  const db = await getDb();
  const [before] = await db.select().from(user).where(eq(user.email, email));
  // Not on until the first code from the app is verified.
  expect(before!.twoFactorEnabled).toBe(false);
  const verified = await authRequest("POST", "/two-factor/verify-totp", { body: { code: totp.generate() }, cookie, ip });
  expect(verified.status).toBe(200);
  const [after] = await db.select().from(user).where(eq(user.email, email));
  expect(after!.twoFactorEnabled).toBe(true);
  return { email, ip, totp, backupCodes: backupCodes as string[], userId: after!.id, cookie: jar(up, verified) };
}

describe("two-factor sign-in", () => {
  it("enrolment needs the password and a first code; then sign-in asks for a TOTP code before giving a session", async () => {
    const { email, ip, totp } = await enrolledUser();
    const first = await authRequest("POST", "/sign-in/email", { body: { email, password: PASSWORD }, ip });
    expect(first.status).toBe(200);
    expect(await first.json()).toMatchObject({ twoFactorRedirect: true, twoFactorMethods: ["totp"] });
    const pending = jar(first);
    expect(await (await authRequest("GET", "/get-session", { cookie: pending })).json()).toBeNull();

    const wrong = await authRequest("POST", "/two-factor/verify-totp", {
      body: { code: String((Number(totp.generate()) + 1) % 1_000_000).padStart(6, "0") },
      cookie: pending,
      ip,
    });
    expect(wrong.status).toBe(401);
    const ok = await authRequest("POST", "/two-factor/verify-totp", { body: { code: totp.generate() }, cookie: pending, ip });
    expect(ok.status).toBe(200);
    const session = await (await authRequest("GET", "/get-session", { cookie: jar(first, ok) })).json();
    expect(session.user).toMatchObject({ email, twoFactorEnabled: true });
    // The enrolment was mailed to the account; the sign-in's code was not a change.
    const db = await getDb();
    await vi.waitFor(async () =>
      expect((await db.select().from(mailDeliveries).where(eq(mailDeliveries.toAddress, email))).map((m) => m.subject)).toEqual([
        "Two-factor sign-in turned on for your Flowgate account",
      ]),
    );
    const disabled = await authRequest("POST", "/two-factor/disable", { body: { password: PASSWORD }, cookie: jar(first, ok), ip });
    expect(disabled.status).toBe(200);
    await vi.waitFor(async () =>
      expect((await db.select().from(mailDeliveries).where(eq(mailDeliveries.toAddress, email))).map((m) => m.subject)).toContain(
        "Two-factor sign-in turned off for your Flowgate account",
      ),
    );
  });

  it("a backup code signs in once", async () => {
    const { email, ip, backupCodes } = await enrolledUser();
    expect(backupCodes).toHaveLength(10);
    const signIn = async () => jar(await authRequest("POST", "/sign-in/email", { body: { email, password: PASSWORD }, ip }));
    const pending = await signIn();
    expect(
      (await authRequest("POST", "/two-factor/verify-backup-code", { body: { code: backupCodes[0] }, cookie: pending, ip })).status,
    ).toBe(200);
    const again = await signIn();
    expect(
      (await authRequest("POST", "/two-factor/verify-backup-code", { body: { code: backupCodes[0] }, cookie: again, ip })).status,
    ).toBe(401);
  });

  it("an org that requires it refuses members without it (pages send them to enrol); only an admin who has it may turn it on", async () => {
    const org = await createDashboardOrg();
    const enrolled = await enrolledUser();
    const db = await getDb();
    await db.insert(member).values({ id: randomAlnum(24), organizationId: org.orgId, userId: enrolled.userId, role: "admin" });

    expect(await setRequireTwoFactorAction.run(org.users.admin, { orgId: org.orgId, on: true })).toMatchObject({
      ok: false,
      error: { code: "invalid_request" },
    });
    expect(await setRequireTwoFactorAction.run(org.users.member, { orgId: org.orgId, on: true })).toMatchObject({
      ok: false,
      error: { code: "forbidden" },
    });
    expect(await setRequireTwoFactorAction.run(enrolled.userId, { orgId: org.orgId, on: true })).toMatchObject({
      ok: true,
      data: { require_two_factor: true },
    });

    await expect(authorizeActor({ userId: org.users.member, orgId: org.orgId }, "member")).rejects.toMatchObject({
      code: "forbidden",
      message: TWO_FACTOR_REQUIRED,
    });
    expect(await authorizeActor({ userId: enrolled.userId, orgId: org.orgId }, "admin")).toMatchObject({ role: "admin" });
    await db.update(user).set({ twoFactorEnabled: true }).where(eq(user.id, org.users.member));
    expect(await authorizeActor({ userId: org.users.member, orgId: org.orgId }, "member")).toMatchObject({ role: "member" });
  });

  it("sign out everywhere ends every session; session tokens are never served to the browser", async () => {
    const ip = nextIp();
    const email = `${randomAlnum(10)}@example.com`;
    const a = cookiesOf(await authRequest("POST", "/sign-up/email", { body: { email, password: PASSWORD, name: "Sam" }, ip }));
    const b = cookiesOf(await authRequest("POST", "/sign-in/email", { body: { email, password: PASSWORD }, ip: nextIp() }));
    // better-auth's list answers with each session's token: not served (the account page lists them server-side).
    expect((await authRequest("GET", "/list-sessions", { cookie: a })).status).toBe(404);
    const db = await getDb();
    const [u] = await db.select().from(user).where(eq(user.email, email));
    expect(await db.select().from(session).where(eq(session.userId, u!.id))).toHaveLength(2);
    expect((await authRequest("POST", "/revoke-sessions", { cookie: b, body: {} })).status).toBe(200);
    for (const cookie of [a, b]) expect(await (await authRequest("GET", "/get-session", { cookie })).json()).toBeNull();
    expect(await db.select().from(session).where(eq(session.userId, u!.id))).toHaveLength(0);
  });
});
