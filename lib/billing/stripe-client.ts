import "server-only";
import Stripe from "stripe";
import { getEnv } from "@/lib/env";
import { AppError } from "@/lib/errors";

// The one Stripe client (the official SDK). STRIPE_API_BASE, when set, becomes the SDK's host, port
// and protocol options: a local stand-in of Stripe's API in tests (tests/support/stripe-standin.ts),
// never anything but Stripe in production.

let cached: { key: string; base: string | undefined; client: Stripe } | undefined;

/** Buying is configured: a secret key and a webhook signing secret. */
export function billingConfigured(): boolean {
  const env = getEnv();
  return !!(env.STRIPE_SECRET_KEY && env.STRIPE_WEBHOOK_SECRET);
}

/** The SDK client; a 503 when Stripe is not configured (the operator grants credits instead). */
export function stripeClient(): Stripe {
  const env = getEnv();
  if (!env.STRIPE_SECRET_KEY) throw new AppError("service_unavailable", "Buying credits is not configured on this server");
  const base = env.STRIPE_API_BASE;
  if (cached?.key === env.STRIPE_SECRET_KEY && cached.base === base) return cached.client;
  const url = base ? new URL(base) : undefined;
  const client = new Stripe(env.STRIPE_SECRET_KEY, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
    ...(url
      ? {
          host: url.hostname,
          port: url.port || (url.protocol === "https:" ? 443 : 80),
          protocol: url.protocol === "http:" ? "http" : "https",
        }
      : {}),
  });
  cached = { key: env.STRIPE_SECRET_KEY, base, client };
  return client;
}

/** The webhook signing secret (whsec_…), or undefined when not configured. */
export const stripeWebhookSecret = () => getEnv().STRIPE_WEBHOOK_SECRET;
