import * as OTPAuth from "otpauth";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startNextServer, type NextServer } from "../support/next-server";
import { linkIn, startInbox, type Inbox } from "../support/smtp-server";
import { launchChromium, mailingServerEnv, mailTo, signUpVerified } from "./support";

// The account flows in Chromium against a production server of their own that mails a real SMTP
// server in this test (verification required): sign up → verify → signed in; forgot password →
// mail → new password → the old one refused; two-factor enrolment → sign-in with a TOTP code.

let server: NextServer;
let inbox: Inbox;
let browser: Browser;
let base: string;
const email = `e2e-${Date.now()}@example.com`;

beforeAll(async () => {
  inbox = await startInbox();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const env = mailingServerEnv({ inbox, base, dataDirPrefix: "fg-mail-e2e-" });
  server = await startNextServer({ env, port, readyTimeoutMs: 120_000 });
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop("SIGTERM");
  await inbox?.stop();
});

const mail = (subject: string) => mailTo(inbox, email, subject);

const pause10s = () => new Promise((r) => setTimeout(r, 10_500));

describe("account flows in Chromium", () => {
  it("sign up → verification mail → its link signs in", async () => {
    const page = await (await browser.newContext()).newPage();
    await signUpVerified(page, { base, inbox, name: "Eve Tester", email, password: "first password 1" });
    await page.waitForSelector("text=Create an organization");
    await page.context().close();
  });

  it("forgot password → mail → new password; the old one is refused", async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${base}/sign-in`);
    await page.click("text=Forgot your password?");
    await page.waitForURL(`${base}/forgot-password`);
    await page.waitForSelector("text=Reset your password");
    await page.fill('input[name="email"]', email);
    await page.click('button:has-text("Send reset link")');
    await page.waitForSelector("text=a link to choose a new password is on its way");
    const link = linkIn(await mail("Reset your Flowgate password"), `${base}/reset-password?token=`);
    await page.goto(link);
    await page.fill('input[name="password"]', "second password 2");
    await page.fill('input[name="confirm"]', "second password 2");
    await page.click('button:has-text("Set new password")');
    await page.waitForSelector("text=Your password was changed");
    await page.goto(`${base}/sign-in`);
    await page.fill('input[name="email"]', email);
    await page.fill('input[name="password"]', "first password 1");
    await page.click('button:has-text("Sign in")');
    await page.waitForSelector('[role="alert"]');
    await page.fill('input[name="password"]', "second password 2");
    await page.click('button:has-text("Sign in")');
    await page.waitForURL(`${base}/onboarding`);
    await page.screenshot({ path: "/work/wt/mail-shots/e2e-after-reset.png" }).catch(() => {});
    await page.context().close();
  });

  it(
    "two-factor enrolment under Account → sign-in asks for a TOTP code computed from the enrolled secret",
    { timeout: 120_000 },
    async () => {
      // better-auth allows 3 sign-ins per 10 s from one address; the test before made 2.
      await pause10s();
      const ctx = await browser.newContext();
      const page = await ctx.newPage();
      await page.goto(`${base}/sign-in`);
      await page.fill('input[name="email"]', email);
      await page.fill('input[name="password"]', "second password 2");
      await page.click('button:has-text("Sign in")');
      await page.waitForURL(`${base}/onboarding`);
      await page.goto(`${base}/account`);
      await page.fill('input[name="password"]', "second password 2");
      await page.click('button:has-text("Set up two-factor sign-in")');
      const uri = await (await page.waitForSelector('[data-testid="totp-uri"]')).textContent();
      const totp = OTPAuth.URI.parse(uri!) as OTPAuth.TOTP;
      await page.fill('input[name="code"]', totp.generate());
      await page.click('button:has-text("Turn on")');
      await page.waitForSelector("text=Two-factor sign-in is");
      expect(await page.textContent("main")).toContain("Two-factor sign-in is on");
      await page.screenshot({ path: "/work/wt/mail-shots/e2e-account.png", fullPage: true }).catch(() => {});
      await ctx.close();

      await pause10s();
      const page2 = await (await browser.newContext()).newPage();
      await page2.goto(`${base}/sign-in`);
      await page2.fill('input[name="email"]', email);
      await page2.fill('input[name="password"]', "second password 2");
      await page2.click('button:has-text("Sign in")');
      await page2.waitForSelector("text=Code from your authenticator app");
      await page2.fill('input[name="code"]', totp.generate());
      await page2.click('button:has-text("Verify")');
      await page2.waitForURL(`${base}/onboarding`);
      await page2.context().close();
    },
  );
});
