import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { mailDeliveries, user } from "@/db/schema";
import { randomAlnum } from "@/lib/ids";
import { startQueue } from "@/lib/server/start-queue";
import { stopJobWorker } from "@/lib/queue/worker";
import { authRequest, cookiesOf } from "../support/auth-requests";
import { linkIn, startInbox, type Inbox } from "../support/smtp-server";
import { until } from "../support/until";
import { setMailEnv } from "../support/smtp-server";

// Email verification on sign-up (on by default once SMTP_URL is set), its resend limit, and a
// change of address that takes effect only once the new address is verified.

let inbox: Inbox;
const saved = { ...process.env };
let ipSeq = 0;
// A run of its own: the limits live in the rate-limit store (Redis keeps them across runs).
const run = Math.floor(Math.random() * 250);
const nextIp = () => `198.19.${run}.${++ipSeq}`;
/** Follows a mailed /api/auth link the way a browser does (GET, no Origin). */
const follow = (link: string, cookie?: string) => authRequest("GET", link.replace("http://localhost:3000/api/auth", ""), { cookie });

beforeAll(async () => {
  inbox = await startInbox();
  await setMailEnv({ SMTP_URL: inbox.url, REQUIRE_EMAIL_VERIFICATION: undefined });
  startQueue();
});
afterAll(async () => {
  stopJobWorker();
  await setMailEnv({ SMTP_URL: saved.SMTP_URL, REQUIRE_EMAIL_VERIFICATION: saved.REQUIRE_EMAIL_VERIFICATION });
  await inbox.stop();
});

describe("email verification", () => {
  it("with SMTP_URL, sign-up gives no session until the mailed link is opened; sign-in is refused meanwhile and mails nothing", async () => {
    const ip = nextIp();
    const email = `${randomAlnum(10)}@example.com`;
    const up = await authRequest("POST", "/sign-up/email", {
      body: { email, password: "a password 1", name: "Vi", callbackURL: "/onboarding" },
      ip,
    });
    expect(up.status).toBe(200);
    expect((await up.json()).token).toBeNull();
    expect(await (await authRequest("GET", "/get-session", { cookie: cookiesOf(up) })).json()).toBeNull();

    const mail = await until(() => inbox.to(email)[0], "the verification mail");
    expect(mail.subject).toBe("Verify your email for Flowgate");
    const link = linkIn(mail, "http://localhost:3000/api/auth/verify-email?token=");
    expect(new URL(link).searchParams.get("callbackURL")).toBe("/onboarding");

    const refused = await authRequest("POST", "/sign-in/email", { body: { email, password: "a password 1" }, ip });
    expect(refused.status).toBe(403);
    expect((await refused.json()).code).toBe("EMAIL_NOT_VERIFIED");
    await new Promise((r) => setTimeout(r, 300));
    expect(await (await getDb()).select().from(mailDeliveries).where(eq(mailDeliveries.toAddress, email))).toHaveLength(1);

    const opened = await follow(link);
    expect(opened.status).toBe(302);
    expect(opened.headers.get("location")).toBe("/onboarding");
    expect((await (await authRequest("GET", "/get-session", { cookie: cookiesOf(opened) })).json()).user).toMatchObject({
      email,
      emailVerified: true,
    });
    expect((await authRequest("POST", "/sign-in/email", { body: { email, password: "a password 1" }, ip })).status).toBe(200);
  });

  it("the link can be mailed again, 3 times an hour per address", async () => {
    const email = `${randomAlnum(10)}@example.com`;
    await authRequest("POST", "/sign-up/email", { body: { email, password: "a password 1", name: "Wu" }, ip: nextIp() });
    for (let i = 0; i < 3; i++)
      expect((await authRequest("POST", "/send-verification-email", { body: { email }, ip: nextIp() })).status).toBe(200);
    const limited = await authRequest("POST", "/send-verification-email", { body: { email }, ip: nextIp() });
    expect(limited.status).toBe(429);
    await until(() => inbox.to(email).length === 4, "the sign-up mail and 3 resends");
  });

  it("without SMTP_URL (and no REQUIRE_EMAIL_VERIFICATION) sign-up signs in at once", async () => {
    await setMailEnv({ SMTP_URL: undefined });
    try {
      const up = await authRequest("POST", "/sign-up/email", {
        body: { email: `${randomAlnum(10)}@example.com`, password: "a password 1", name: "Xi" },
        ip: nextIp(),
      });
      expect(up.status).toBe(200);
      expect((await up.json()).token).toEqual(expect.any(String));
    } finally {
      await setMailEnv({ SMTP_URL: inbox.url });
    }
  });

  it("changing one's email mails the new address; the account keeps the old one until that link is opened", async () => {
    const ip = nextIp();
    const email = `${randomAlnum(10)}@example.com`;
    const newEmail = `${randomAlnum(10)}@example.com`;
    await authRequest("POST", "/sign-up/email", { body: { email, password: "a password 1", name: "Yu" }, ip });
    await follow(linkIn(await until(() => inbox.to(email)[0], "verification"), "http://localhost:3000/api/auth/verify-email?token="));
    const cookie = cookiesOf(await authRequest("POST", "/sign-in/email", { body: { email, password: "a password 1" }, ip }));

    const asked = await authRequest("POST", "/change-email", { body: { newEmail, callbackURL: "/dashboard/account" }, cookie, ip });
    expect(asked.status).toBe(200);
    const mail = await until(() => inbox.to(newEmail)[0], "the change-email mail");
    expect(mail.subject).toBe("Confirm your new email for Flowgate");
    expect(mail.text).toContain(newEmail);
    const db = await getDb();
    expect(await db.select().from(user).where(eq(user.email, email))).toHaveLength(1);

    const opened = await follow(linkIn(mail, "http://localhost:3000/api/auth/verify-email?token="), cookie);
    expect(opened.status).toBe(302);
    const [row] = await db.select().from(user).where(eq(user.email, newEmail));
    expect(row).toMatchObject({ emailVerified: true });
    expect(await db.select().from(user).where(eq(user.email, email))).toHaveLength(0);
  });
});
