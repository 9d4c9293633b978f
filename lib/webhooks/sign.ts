import { createHmac } from "node:crypto";

/**
 * The Standard Webhooks headers of one delivery: webhook-id (the same on every attempt, for the
 * receiver's deduplication), webhook-timestamp (Unix seconds, for its replay window) and
 * webhook-signature, `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` keyed with the secret's
 * bytes (the base64 after `whsec_`). Several secrets (a rotation's overlap): one `v1,` entry per
 * secret, space-separated as the spec allows; a receiver accepts when any entry verifies.
 */
export function signWebhook(secret: string | readonly string[], id: string, timestamp: Date, body: string): Record<string, string> {
  const ts = Math.floor(timestamp.getTime() / 1000);
  const signatures = (typeof secret === "string" ? [secret] : secret).map((s) => {
    const key = Buffer.from(s.replace(/^whsec_/, ""), "base64");
    return `v1,${createHmac("sha256", key).update(`${id}.${ts}.${body}`).digest("base64")}`;
  });
  return { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": signatures.join(" ") };
}
