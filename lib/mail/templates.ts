import { instanceBaseUrl, instanceUrl } from "@/lib/public-base-url";

// One template per kind of message: a subject, a plain-text part and an HTML part, the product's
// name and links into this instance's public URL (BETTER_AUTH_URL). Every value that a person
// typed (names, organization names, addresses) is escaped in the HTML part.

export const PRODUCT = "Flowgate";

/** Security messages carry no unsubscribe link: nobody may opt out of being told about their own account. */
export type MailMessage =
  | { kind: "verify-email"; data: { name: string; url: string } }
  | { kind: "change-email"; data: { name: string; newEmail: string; url: string } }
  | { kind: "reset-password"; data: { name: string; url: string } }
  | { kind: "password-changed"; data: { name: string } }
  | { kind: "invitation"; data: { orgName: string; inviterName: string; role: string; invitationId: string; expiresAt: string } }
  | { kind: "new-sign-in"; data: { name: string; client: string; ip: string | null; at: string } }
  | { kind: "two-factor-changed"; data: { name: string; enabled: boolean } }
  | { kind: "balance-low"; data: { orgName: string; balance: number; threshold: number; unsubscribe: string } }
  | { kind: "balance-zero"; data: { orgName: string; unsubscribe: string } }
  | { kind: "webhook-disabled"; data: { orgName: string; endpointUrl: string; reason: string; unsubscribe: string } }
  | { kind: "topup-failed"; data: { orgName: string; amount: number; reason: string; unsubscribe: string } }
  | { kind: "budget-crossed"; data: { orgName: string; budgetName: string; percent: number; unsubscribe: string } }
  | { kind: "account-deleted"; data: { name: string } };

export type MailKind = MailMessage["kind"];

export type RenderedMail = { subject: string; text: string; html: string; links: string[] };

type Part = { text: string; html: string };
type Body = {
  subject: string;
  greeting?: string;
  lines: Part[];
  action?: { label: string; url: string };
  after?: Part[];
  unsubscribe?: string;
};

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
/** A sentence with some of it in bold (values already in their final text form). */
const line = (...pieces: Array<string | { b: string }>): Part => ({
  text: pieces.map((p) => (typeof p === "string" ? p : p.b)).join(""),
  html: pieces.map((p) => (typeof p === "string" ? esc(p) : `<strong>${esc(p.b)}</strong>`)).join(""),
});
const credits = (n: number) => `${n.toLocaleString("en-US")} credits`;

function body(m: MailMessage): Body {
  switch (m.kind) {
    case "verify-email":
      return {
        subject: `Verify your email for ${PRODUCT}`,
        greeting: m.data.name,
        lines: [line(`Confirm that this is your address to finish setting up your ${PRODUCT} account.`)],
        action: { label: "Verify email", url: m.data.url },
        after: [line("The link works once, for 1 hour. If you did not sign up, ignore this message: nothing happens without it.")],
      };
    case "change-email":
      return {
        subject: `Confirm your new email for ${PRODUCT}`,
        greeting: m.data.name,
        lines: [line("Your account's address changes to ", { b: m.data.newEmail }, " once you confirm it here.")],
        action: { label: "Confirm new address", url: m.data.url },
        after: [line("The link works once, for 1 hour. If you did not ask for this, ignore this message: your address stays as it is.")],
      };
    case "reset-password":
      return {
        subject: `Reset your ${PRODUCT} password`,
        greeting: m.data.name,
        lines: [line("Someone (we hope you) asked to reset the password of your account.")],
        action: { label: "Choose a new password", url: m.data.url },
        after: [
          line(
            "The link works once, for 1 hour; choosing a new password signs out your other sessions. If you did not ask, ignore this message: your password stays as it is.",
          ),
        ],
      };
    case "password-changed":
      return {
        subject: `Your ${PRODUCT} password was changed`,
        greeting: m.data.name,
        lines: [line("The password of your account was just changed, and your other sessions were signed out.")],
        action: { label: "Open account settings", url: instanceUrl("/account") },
        after: [line("If this was not you, reset your password at once from the sign-in page.")],
      };
    case "invitation":
      return {
        subject: `${m.data.inviterName} invited you to ${m.data.orgName} on ${PRODUCT}`,
        lines: [
          line(
            { b: m.data.inviterName },
            " invited you to join ",
            { b: m.data.orgName },
            ` on ${PRODUCT} as ${m.data.role === "admin" ? "an admin" : "a member"}.`,
          ),
        ],
        action: { label: "Accept the invitation", url: instanceUrl(`/invite/${m.data.invitationId}`) },
        after: [line(`Sign in (or create an account) with this address to accept. The invitation expires on ${m.data.expiresAt}.`)],
      };
    case "new-sign-in":
      return {
        subject: `New sign-in to your ${PRODUCT} account`,
        greeting: m.data.name,
        lines: [
          line("Your account was signed in to from a client it had not used before:"),
          line({ b: m.data.client }, m.data.ip ? ` from ${m.data.ip}` : "", ` at ${m.data.at}.`),
        ],
        action: { label: "Review your sessions", url: instanceUrl("/account") },
        after: [line("If this was not you, sign out everywhere from that page and reset your password.")],
      };
    case "two-factor-changed":
      return {
        subject: `Two-factor sign-in ${m.data.enabled ? "turned on" : "turned off"} for your ${PRODUCT} account`,
        greeting: m.data.name,
        lines: [
          line(
            m.data.enabled
              ? "Two-factor sign-in is now on: signing in asks for a code from your authenticator app."
              : "Two-factor sign-in is now off: signing in asks for your password only.",
          ),
        ],
        action: { label: "Open account settings", url: instanceUrl("/account") },
        after: [line("If this was not you, reset your password at once and sign out everywhere.")],
      };
    case "balance-low":
      return {
        subject: `${m.data.orgName}: credit balance is low`,
        lines: [
          line(
            "The credit balance of ",
            { b: m.data.orgName },
            " is ",
            { b: credits(m.data.balance) },
            `, under its threshold of ${credits(m.data.threshold)}. Runs stop when it reaches zero.`,
          ),
        ],
        action: { label: "Open usage", url: instanceUrl("/dashboard/usage") },
        unsubscribe: m.data.unsubscribe,
      };
    case "balance-zero":
      return {
        subject: `${m.data.orgName}: out of credits`,
        lines: [
          line(
            "The credit balance of ",
            { b: m.data.orgName },
            " has reached zero: new runs are refused with insufficient_credits until credits are added.",
          ),
        ],
        action: { label: "Open usage", url: instanceUrl("/dashboard/usage") },
        unsubscribe: m.data.unsubscribe,
      };
    case "webhook-disabled":
      return {
        subject: `${m.data.orgName}: a webhook endpoint was disabled`,
        lines: [
          line(
            "The webhook endpoint ",
            { b: m.data.endpointUrl },
            " of ",
            { b: m.data.orgName },
            " was disabled and receives nothing until it is enabled again.",
          ),
          line(`Why: ${m.data.reason}`),
        ],
        action: { label: "Open webhooks", url: instanceUrl("/dashboard/webhooks") },
        unsubscribe: m.data.unsubscribe,
      };
    case "topup-failed":
      return {
        subject: `${m.data.orgName}: automatic top-up failed`,
        lines: [
          line("An automatic top-up of ", { b: credits(m.data.amount) }, " for ", { b: m.data.orgName }, " failed."),
          line(`Why: ${m.data.reason}`),
        ],
        action: { label: "Open usage", url: instanceUrl("/dashboard/usage") },
        unsubscribe: m.data.unsubscribe,
      };
    case "budget-crossed":
      return {
        subject: `${m.data.orgName}: budget ${m.data.budgetName} at ${m.data.percent}%`,
        lines: [
          line("The budget ", { b: m.data.budgetName }, " of ", { b: m.data.orgName }, ` has reached ${m.data.percent}% of its amount.`),
        ],
        action: { label: "Open usage", url: instanceUrl("/dashboard/usage") },
        unsubscribe: m.data.unsubscribe,
      };
    case "account-deleted":
      return {
        subject: `Your ${PRODUCT} account was deleted`,
        greeting: m.data.name,
        lines: [
          line(
            `Your ${PRODUCT} account and its personal data were deleted. The organizations you were in keep their usage records, with your name removed.`,
          ),
        ],
      };
  }
}

export function renderMail(m: MailMessage): RenderedMail {
  const b = body(m);
  const base = instanceBaseUrl();
  const links = [b.action?.url, b.unsubscribe].filter((u): u is string => !!u);
  const textParts = [
    ...(b.greeting ? [`Hello ${b.greeting},`] : []),
    ...b.lines.map((l) => l.text),
    ...(b.action ? [`${b.action.label}: ${b.action.url}`] : []),
    ...(b.after ?? []).map((l) => l.text),
    `— ${PRODUCT}, ${base}`,
    ...(b.unsubscribe ? [`Stop these notices: ${b.unsubscribe}`] : []),
  ];
  const p = (html: string) => `<p style="margin:0 0 16px;font-size:15px;line-height:22px;color:#262626">${html}</p>`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(b.subject)}</title></head>
<body style="margin:0;padding:0;background:#f5f5f5;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,sans-serif">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f5f5f5;padding:32px 12px"><tr><td align="center">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border:1px solid #e5e5e5;border-radius:8px">
<tr><td style="padding:24px 32px 8px;font-size:18px;font-weight:600;color:#171717">${PRODUCT}</td></tr>
<tr><td style="padding:16px 32px 8px">
${b.greeting ? p(`Hello ${esc(b.greeting)},`) : ""}
${b.lines.map((l) => p(l.html)).join("\n")}
${
  b.action
    ? `<p style="margin:24px 0"><a href="${esc(b.action.url)}" style="display:inline-block;background:#171717;color:#ffffff;text-decoration:none;padding:10px 18px;border-radius:6px;font-size:15px;font-weight:600">${esc(b.action.label)}</a></p>
<p style="margin:0 0 16px;font-size:13px;line-height:20px;color:#737373">Or open this link: <a href="${esc(b.action.url)}" style="color:#404040;word-break:break-all">${esc(b.action.url)}</a></p>`
    : ""
}
${(b.after ?? []).map((l) => `<p style="margin:0 0 16px;font-size:13px;line-height:20px;color:#525252">${l.html}</p>`).join("\n")}
</td></tr>
<tr><td style="padding:16px 32px 24px;border-top:1px solid #f0f0f0;font-size:12px;line-height:18px;color:#a3a3a3">${PRODUCT} · <a href="${esc(base)}" style="color:#a3a3a3">${esc(base)}</a>${b.unsubscribe ? ` · <a href="${esc(b.unsubscribe)}" style="color:#a3a3a3">Stop these notices</a>` : ""}</td></tr>
</table></td></tr></table></body></html>`;
  return { subject: b.subject, text: textParts.join("\n\n") + "\n", html, links };
}
