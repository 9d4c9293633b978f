import { mkdtempSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import { linkIn, type Inbox } from "../support/smtp-server";

/** Debian's Chromium, never a downloaded one; flags keep it off this machine's closed network. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      ...extraArgs,
    ],
  });
}

/** Controls the fake model upstream running in the global setup's process. */
export async function controlUpstream(upstreamUrl: string, options: Record<string, unknown>) {
  await fetch(upstreamUrl.replace(/\/v1$/, "/__control"), { method: "POST", body: JSON.stringify(options) });
}

/**
 * A customer's site on its own origin: serves a bundled page and a /token endpoint that mints
 * stream tokens server-side with the API key (the key never reaches the browser).
 */
export async function serveCustomerSite(opts: {
  entry: string;
  apiBase: string;
  key: string;
  config: Record<string, string>;
  alias?: Record<string, string>;
}) {
  const bundle = await build({
    entryPoints: [path.resolve(import.meta.dirname, opts.entry)],
    bundle: true,
    write: false,
    format: "esm",
    alias: opts.alias,
    platform: "browser",
    jsx: "automatic",
    define: { "process.env.NODE_ENV": '"production"' },
    minify: true,
    logLevel: "silent",
  });
  const js = bundle.outputFiles[0]!.text;
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>customer site</title></head><body><div id="root"></div>
<script>window.FLOWGATE = ${JSON.stringify({ apiBase: opts.apiBase, ...opts.config })};</script><script type="module" src="/bundle.js"></script></body></html>`;
  const server = http.createServer(async (req, res) => {
    if (req.url === "/bundle.js") {
      res.writeHead(200, { "content-type": "text/javascript" });
      return res.end(js);
    }
    if (req.url === "/token" && req.method === "POST") {
      const r = await fetch(`${opts.apiBase}/api/v1/token?ttl=60`, { headers: { authorization: `Bearer ${opts.key}` } });
      res.writeHead(r.status, { "content-type": "application/json" });
      return res.end(await r.text());
    }
    res.writeHead(200, { "content-type": "text/html" });
    res.end(html);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/**
 * A new account and its organization through the sign-up form of the global setup's server (no
 * e-mail verification there); resolves on the workflows page. `beforeSubmit` runs on the filled form.
 */
export async function signUp(
  page: Page,
  baseUrl: string,
  o: { name: string; org: string; email: string; beforeSubmit?: () => Promise<unknown> },
) {
  await page.goto(`${baseUrl}/sign-up`);
  await page.fill('input[name="name"]', o.name);
  await page.fill('input[name="org"]', o.org);
  await page.fill('input[name="email"]', o.email);
  await page.fill('input[name="password"]', "correct horse battery");
  await o.beforeSubmit?.();
  await submitSignUp(page, 'button[type="submit"]', () => page.waitForURL("**/dashboard/workflows", { timeout: 20_000 }));
}

/**
 * Submits a sign-up form until the server takes it. better-auth allows 3 sign-ups per 10 s per
 * address (its default rule, kept), and the e2e files sign up side by side from 127.0.0.1: a
 * refused one shows "Too many requests" and is sent again once the window has passed.
 */
async function submitSignUp(page: Page, submit: string, accepted: () => Promise<unknown>) {
  const limited = page.getByText(/too many requests/i);
  for (let attempt = 1; ; attempt++) {
    await page.click(submit);
    // The refusal of the attempt before is cleared when the form is sent again.
    if (attempt > 1) await limited.waitFor({ state: "hidden", timeout: 5_000 }).catch(() => {});
    const outcome = await Promise.race([
      accepted().then(
        () => "accepted" as const,
        () => "neither" as const,
      ),
      limited.waitFor({ timeout: 20_000 }).then(
        () => "limited" as const,
        () => "neither" as const,
      ),
    ]);
    if (outcome === "accepted") return;
    if (outcome === "neither" || attempt === 4) throw new Error(`sign-up not accepted (${outcome}, attempt ${attempt}) at ${page.url()}`);
    await page.waitForTimeout(10_500);
  }
}

/**
 * A new account (and its organization) through the sign-up form, then a workflow created from the
 * workflows page, on the offline model; resolves its id once the editor has saved.
 */
export async function signUpWithWorkflow(
  page: Page,
  baseUrl: string,
  o: { name: string; org: string; emailPrefix: string; workflow: string; template: string },
) {
  await signUp(page, baseUrl, { name: o.name, org: o.org, email: `${o.emailPrefix}${Date.now()}@example.com` });
  await page.fill('input[name="name"]', o.workflow);
  await page.fill('textarea[name="template"]', o.template);
  await page.click('button:has-text("Create")');
  await page.waitForURL(/\/dashboard\/workflows\/wf_[a-z0-9]{24}$/, { timeout: 20_000 });
  await page.selectOption("select[name=model]", "offline:echo");
  return page.url().split("/").at(-1)!;
}

/** Once the editor has saved the draft: Publish, and wait for version `n`. */
export async function publishDraft(page: Page, n: number) {
  await page.getByTestId("save-state").getByText("All changes saved").waitFor({ timeout: 10_000 });
  await page.click('button:has-text("Publish")');
  await page.getByText(`Published version ${n}`).waitFor({ timeout: 20_000 });
}

/**
 * The environment of a production server a test starts for itself, mailing `inbox` with e-mail
 * verification required: a fresh data directory (an embedded database of its own), `more` on top.
 */
export function mailingServerEnv(o: {
  inbox: Inbox;
  base: string;
  dataDirPrefix: string;
  more?: Record<string, string>;
}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FLOWGATE_DATA_DIR: mkdtempSync(path.join(tmpdir(), o.dataDirPrefix)),
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
    SMTP_URL: o.inbox.url,
    MAIL_FROM: "Flowgate <noreply@flowgate.test>",
    REQUIRE_EMAIL_VERIFICATION: "true",
    BETTER_AUTH_URL: o.base,
    ...o.more,
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  return env;
}

/** The newest message to `to` with `subject`, waited for up to 30 s. */
export async function mailTo(inbox: Inbox, to: string, subject: string) {
  for (let i = 0; i < 300; i++) {
    const m = inbox
      .to(to)
      .filter((x) => x.subject === subject)
      .at(-1);
    if (m) return m;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail "${subject}" to ${to}`);
}

/** Signs up where e-mail verification is required: the form, "Check your mail", the mailed link; resolves on /onboarding. */
export async function signUpVerified(page: Page, o: { base: string; inbox: Inbox; name: string; email: string; password: string }) {
  await page.goto(`${o.base}/sign-up`);
  await page.fill('input[name="name"]', o.name);
  await page.fill('input[name="email"]', o.email);
  await page.fill('input[name="password"]', o.password);
  await submitSignUp(page, 'button:has-text("Create account")', () => page.waitForSelector("text=Check your mail", { timeout: 20_000 }));
  await page.goto(linkIn(await mailTo(o.inbox, o.email, "Verify your email for Flowgate"), `${o.base}/api/auth/verify-email?token=`));
  await page.waitForURL(`${o.base}/onboarding`);
}
