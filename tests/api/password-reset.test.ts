import { eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { mailDeliveries, verification } from "@/db/schema";
import { randomAlnum } from "@/lib/ids";
import { startQueue } from "@/lib/server/start-queue";
import { stopJobWorker } from "@/lib/queue/worker";
import { authRequest, cookiesOf } from "../support/auth-requests";
import { linkIn, startInbox, type Inbox } from "../support/smtp-server";
import { until } from "../support/until";
import { setMailEnv } from "../support/smtp-server";

// Password reset through better-auth's endpoints, with the mail read from a real SMTP server.

let inbox: Inbox;
const saved = { ...process.env };
// One client address per test: the per-address and per-client limits are what one test measures.
let ipSeq = 0;
// A run of its own: the limits live in the rate-limit store (Redis keeps them across runs).
const run = Math.floor(Math.random() * 250);
const nextIp = () => `198.18.${run}.${++ipSeq}`;

async function signUp(ip: string) {
  const email = `${randomAlnum(10)}@example.com`;
  const res = await authRequest("POST", "/sign-up/email", { body: { email, password: "old password 1", name: "Rae" }, ip });
  expect(res.status).toBe(200);
  return { email, cookie: cookiesOf(res) };
}

beforeAll(async () => {
  inbox = await startInbox();
  await setMailEnv({ SMTP_URL: inbox.url, REQUIRE_EMAIL_VERIFICATION: "false" });
  startQueue();
});
afterAll(async () => {
  stopJobWorker();
  await setMailEnv({ SMTP_URL: saved.SMTP_URL, REQUIRE_EMAIL_VERIFICATION: saved.REQUIRE_EMAIL_VERIFICATION });
  await inbox.stop();
});

describe("password reset", () => {
  it("mails a one-hour, single-use link; the new password works, the old one and every session do not", async () => {
    const ip = nextIp();
    const { email, cookie: first } = await signUp(ip);
    const second = cookiesOf(await authRequest("POST", "/sign-in/email", { body: { email, password: "old password 1" }, ip }));
    expect((await (await authRequest("GET", "/get-session", { cookie: second })).json()).user.email).toBe(email);

    const asked = await authRequest("POST", "/request-password-reset", { body: { email }, ip });
    expect(asked.status).toBe(200);
    const mail = await until(() => inbox.to(email)[0], "the reset mail");
    expect(mail.subject).toBe("Reset your Flowgate password");
    const link = linkIn(mail, "http://localhost:3000/reset-password?token=");
    expect(mail.html).toContain(`href="${link}"`);
    const token = new URL(link).searchParams.get("token")!;
    const [row] = await (
      await getDb()
    )
      .select()
      .from(verification)
      .where(eq(verification.identifier, `reset-password:${token}`));
    expect(Math.abs(row!.expiresAt.getTime() - (Date.now() + 3600_000))).toBeLessThan(60_000);

    expect((await authRequest("POST", "/reset-password", { body: { token, newPassword: "new password 2" }, ip })).status).toBe(200);
    // Once only.
    const again = await authRequest("POST", "/reset-password", { body: { token, newPassword: "third password" }, ip });
    expect(again.status).toBe(400);
    expect((await again.json()).code).toBe("INVALID_TOKEN");
    // Every session it had is gone.
    for (const cookie of [first, second]) expect(await (await authRequest("GET", "/get-session", { cookie })).json()).toBeNull();
    expect((await authRequest("POST", "/sign-in/email", { body: { email, password: "old password 1" }, ip })).status).toBe(401);
    expect((await authRequest("POST", "/sign-in/email", { body: { email, password: "new password 2" }, ip })).status).toBe(200);
    const notice = await until(
      () => inbox.to(email).find((m) => m.subject === "Your Flowgate password was changed"),
      "the password-changed notice",
    );
    expect(notice.text).toContain("other sessions were signed out");
  });

  it("an expired link is refused", async () => {
    const ip = nextIp();
    const { email } = await signUp(ip);
    await authRequest("POST", "/request-password-reset", { body: { email }, ip });
    const token = new URL(
      linkIn(await until(() => inbox.to(email)[0], "the reset mail"), "http://localhost:3000/reset-password?token="),
    ).searchParams.get("token")!;
    await (
      await getDb()
    )
      .update(verification)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(verification.identifier, `reset-password:${token}`));
    const res = await authRequest("POST", "/reset-password", { body: { token, newPassword: "new password 2" }, ip });
    expect(res.status).toBe(400);
    expect((await res.json()).code).toBe("INVALID_TOKEN");
  });

  it("an unknown address gets the same answer and no mail", async () => {
    const ip = nextIp();
    const { email } = await signUp(ip);
    const unknown = `${randomAlnum(10)}@example.com`;
    const known = await authRequest("POST", "/request-password-reset", { body: { email }, ip });
    const other = await authRequest("POST", "/request-password-reset", { body: { email: unknown }, ip });
    expect(other.status).toBe(known.status);
    expect(await other.json()).toEqual(await known.json());
    await until(() => inbox.to(email)[0], "the known address's mail");
    // The known address's message went through the same queue first; nothing for the other.
    await new Promise((r) => setTimeout(r, 500));
    expect(inbox.to(unknown)).toHaveLength(0);
    expect(await (await getDb()).select().from(mailDeliveries).where(eq(mailDeliveries.toAddress, unknown))).toHaveLength(0);
    expect(await (await getDb()).select().from(verification).where(like(verification.identifier, "reset-password:%"))).not.toHaveLength(0);
  });

  it("is limited per address (3 an hour, known or not) and per client address (10 an hour)", async () => {
    const ip = nextIp();
    const unknown = `${randomAlnum(10)}@example.com`;
    for (let i = 0; i < 3; i++)
      expect((await authRequest("POST", "/request-password-reset", { body: { email: unknown }, ip: nextIp() })).status).toBe(200);
    const limited = await authRequest("POST", "/request-password-reset", { body: { email: unknown }, ip: nextIp() });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await limited.json()).message).toMatch(/^Too many requests: try again in \d+ minutes$/);

    for (let i = 0; i < 10; i++) {
      expect((await authRequest("POST", "/request-password-reset", { body: { email: `${randomAlnum(10)}@example.com` }, ip })).status).toBe(
        200,
      );
    }
    expect((await authRequest("POST", "/request-password-reset", { body: { email: `${randomAlnum(10)}@example.com` }, ip })).status).toBe(
      429,
    );
  });
});
