import http from "node:http";
import { mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Browser, ConsoleMessage } from "playwright-core";
import { launchChromium } from "./support";

// Against `next start` as `npm start` runs it (the trusted-proxy preload, no BETTER_AUTH_URL):
// first contact at 127.0.0.1, the client address behind better-auth's rate limits, the
// Content-Security-Policy in a real browser and nosniff on API answers.
const e2e = inject("e2e");
const SHOTS = process.env.SCREENSHOT_DIR ?? "test-results/screenshots";
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  browser = await launchChromium();
});
afterAll(async () => browser?.close());

/** A POST to the server from a chosen loopback address (127.0.0.x), so the socket address is known. */
function postFrom(localAddress: string, path: string, body: unknown, headers: Record<string, string> = {}) {
  const url = new URL(path, e2e.baseUrl);
  return new Promise<number>((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: "POST",
        localAddress,
        headers: { "content-type": "application/json", ...headers },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode!));
      },
    );
    req.on("error", reject);
    req.end(JSON.stringify(body));
  });
}

describe("first contact at http://127.0.0.1 without BETTER_AUTH_URL", () => {
  it("signs up, lands on the workflows, with no CSP violation or page error on the way", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    const problems: string[] = [];
    // Every console error counts (a CSP violation is one), except the missing favicon's 404.
    page.on("console", (m: ConsoleMessage) => {
      if (m.type() === "error" && !m.location().url.endsWith("/favicon.ico")) problems.push(`${m.text()} (${m.location().url})`);
    });
    page.on("pageerror", (e) => problems.push(e.message));
    expect(new URL(e2e.baseUrl).hostname).toBe("127.0.0.1");
    await page.goto(`${e2e.baseUrl}/sign-up`);
    await page.fill('input[name="name"]', "Loopback Lou");
    await page.fill('input[name="org"]', "Loopback Labs");
    await page.fill('input[name="email"]', `lou${Date.now()}@example.com`);
    await page.fill('input[name="password"]', "correct horse battery");
    await page.screenshot({ path: `${SHOTS}/sign-up-127.0.0.1-form.png`, fullPage: true });
    await page.click('button[type="submit"]');
    await page.waitForURL("**/dashboard/workflows", { timeout: 20_000 });
    await page.getByText("No workflows yet").waitFor();
    // Client navigation and a server action under the policy: open a few pages.
    for (const path of ["/dashboard/keys", "/dashboard/usage", "/dashboard/api-reference", "/dashboard/workflows"]) {
      await page.goto(`${e2e.baseUrl}${path}`);
      await page.waitForLoadState("networkidle");
    }
    await page.screenshot({ path: `${SHOTS}/sign-up-127.0.0.1.png`, fullPage: true });
    const csp = (await page.request.get(`${e2e.baseUrl}/dashboard/workflows`)).headers()["content-security-policy"];
    expect(csp).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
    expect(problems).toEqual([]);
    await page.close();
  });

  it("another origin is told which URL to open and which variable to set, and the form keeps its fields", async () => {
    // lan.test resolves to the server: the dashboard opened at an address it was not configured for.
    const lan = await launchChromium(["--host-resolver-rules=MAP lan.test 127.0.0.1"]);
    try {
      const page = await lan.newPage({ viewport: { width: 1280, height: 860 } });
      const origin = `http://lan.test:${new URL(e2e.baseUrl).port}`;
      await page.goto(`${origin}/sign-up`);
      const email = `lan${Date.now()}@example.com`;
      await page.fill('input[name="name"]', "Lan Lee");
      await page.fill('input[name="org"]', "Lan Labs");
      await page.fill('input[name="email"]', email);
      await page.fill('input[name="password"]', "correct horse battery");
      await page.click('button[type="submit"]');
      const alert = page.locator("form [role=alert]");
      await alert.waitFor();
      expect(await alert.textContent()).toContain(`set BETTER_AUTH_URL=${origin}`);
      expect(await alert.textContent()).toContain(`http://localhost:${new URL(e2e.baseUrl).port}`);
      expect(await page.inputValue('input[name="email"]')).toBe(email);
      expect(await page.inputValue('input[name="org"]')).toBe("Lan Labs");
      await page.screenshot({ path: `${SHOTS}/sign-up-other-origin.png`, fullPage: true });
    } finally {
      await lan.close();
    }
  });
});

describe("the sign-up and sign-in forms before React has hydrated them", () => {
  it("cannot be sent: the submit button is disabled in the server's HTML (a native submit would GET the password into the URL)", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    try {
      const page = await context.newPage();
      for (const path of ["/sign-up", "/sign-in"]) {
        await page.goto(`${e2e.baseUrl}${path}`);
        expect(await page.locator('form button[type="submit"]').isDisabled()).toBe(true);
      }
    } finally {
      await context.close();
    }
  });
});

describe("client address", () => {
  it("rotating X-Forwarded-For does not escape better-auth's sign-in limit (3 per 10 s per address)", async () => {
    const body = { email: `nobody${Date.now()}@example.com`, password: "wrong password" };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++)
      statuses.push(await postFrom("127.0.0.7", "/api/auth/sign-in/email", body, { "x-forwarded-for": `203.0.113.${i + 1}` }));
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    // The limit belongs to that address, not to everyone.
    expect(await postFrom("127.0.0.8", "/api/auth/sign-in/email", body)).toBe(401);
  });
});

describe("API responses", () => {
  it("say nosniff, answers and errors alike", async () => {
    for (const path of ["/api/health", "/api/v1/workflows/wf_nope", "/api/v1/openapi.json"]) {
      const res = await fetch(`${e2e.baseUrl}${path}`);
      expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
    }
  });
});
