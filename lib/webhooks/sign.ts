import { createHmac } from "node:crypto";

/**
 * The Standard Webhooks headers of one delivery: webhook-id (the same on every attempt, for the
 * receiver's deduplication), webhook-timestamp (Unix seconds, for its replay window) and
 * webhook-signature, `v1,` + base64 HMAC-SHA256 of `id.timestamp.body` keyed with the secret's
 * bytes (the base64 after `whsec_`).
 */
export function signWebhook(secret: string, id: string, timestamp: Date, body: string): Record<string, string> {
  const ts = Math.floor(timestamp.getTime() / 1000);
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${ts}.${body}`).digest("base64");
  return { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": `v1,${signature}` };
}
