// Renders every mail kind's HTML part to a PNG in headless Chromium, to look at the templates:
//   npm exec -- tsx --conditions=react-server scripts/mail-previews.ts <out-dir>
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";
import { renderMail, type MailMessage } from "@/lib/mail/templates";

const u = "https://flowgate.example.com/unsubscribe?t=eyJ1IjoiLi4uIn0.sig";
const samples: MailMessage[] = [
  {
    kind: "verify-email",
    data: { name: "Ada Lovelace", url: "https://flowgate.example.com/api/auth/verify-email?token=eyJhbGciOi...&callbackURL=%2Fonboarding" },
  },
  {
    kind: "change-email",
    data: {
      name: "Ada Lovelace",
      newEmail: "ada@analytical.example",
      url: "https://flowgate.example.com/api/auth/verify-email?token=eyJhbGciOi...&callbackURL=%2Faccount",
    },
  },
  {
    kind: "reset-password",
    data: { name: "Ada Lovelace", url: "https://flowgate.example.com/reset-password?token=Q7m2kXw9ZrT4pL8vN3bY6cHd" },
  },
  { kind: "password-changed", data: { name: "Ada Lovelace" } },
  {
    kind: "invitation",
    data: {
      orgName: "Acme <Research> & Co",
      inviterName: "Grace Hopper",
      role: "admin",
      invitationId: "k3n8q2w7e5r1t9y4u6i0o3p8a2s5d7f1",
      expiresAt: "2026-12-07 04:00 UTC",
    },
  },
  { kind: "new-sign-in", data: { name: "Ada Lovelace", client: "Chrome on Windows", ip: "198.51.100.7", at: "2026-12-05 03:50 UTC" } },
  { kind: "two-factor-changed", data: { name: "Ada Lovelace", enabled: true } },
  { kind: "balance-low", data: { orgName: "Acme Research", balance: 412, threshold: 1000, unsubscribe: u } },
  { kind: "balance-zero", data: { orgName: "Acme Research", unsubscribe: u } },
  {
    kind: "webhook-disabled",
    data: {
      orgName: "Acme Research",
      endpointUrl: "https://hooks.acme.example/flowgate",
      reason: "Every delivery failed for 24 hours (last: HTTP 503)",
      unsubscribe: u,
    },
  },
  { kind: "topup-failed", data: { orgName: "Acme Research", amount: 500000, reason: "The card was declined", unsubscribe: u } },
  { kind: "budget-crossed", data: { orgName: "Acme Research", budgetName: "Production", percent: 80, unsubscribe: u } },
  { kind: "account-deleted", data: { name: "Ada Lovelace" } },
];

const out = path.resolve(process.argv[2] ?? "mail-previews");
mkdirSync(out, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu"],
});
const page = await browser.newPage({ viewport: { width: 680, height: 400 } });
for (const m of samples) {
  await page.setContent(renderMail(m).html, { waitUntil: "load" });
  const file = path.join(out, `${m.kind}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(file);
}
await browser.close();
