import { afterAll, beforeAll } from "vitest";
import { resetEnvForTests } from "@/lib/env";
import { startStripeStandIn, type StripeStandIn } from "./stripe-standin";

/**
 * Starts the Stripe stand-in for the file and points the app at it (STRIPE_API_BASE and the keys);
 * afterwards the server is unconfigured again, as `npm start` is. The value is filled in beforeAll.
 */
export function useStripeStandIn(): { current: StripeStandIn } {
  const ref = {} as { current: StripeStandIn };
  beforeAll(async () => {
    ref.current = await startStripeStandIn();
    process.env.STRIPE_API_BASE = ref.current.url;
    process.env.STRIPE_SECRET_KEY = ref.current.secretKey;
    process.env.STRIPE_WEBHOOK_SECRET = ref.current.webhookSecret;
    resetEnvForTests();
  });
  afterAll(async () => {
    delete process.env.STRIPE_API_BASE;
    delete process.env.STRIPE_SECRET_KEY;
    delete process.env.STRIPE_WEBHOOK_SECRET;
    resetEnvForTests();
    await ref.current?.close();
  });
  return ref;
}

/** An org with an admin-scope key (the billing API's) and a run-scope one, with `credits`. */
export async function billingFixture(credits = 1000) {
  const { createOrg } = await import("@/lib/orgs/create-org");
  const { createApiKey } = await import("@/lib/auth/api-keys");
  const org = await createOrg({ name: "Billing org", credits });
  const admin = await createApiKey({ orgId: org.org_id, name: "billing", scopes: ["admin"] });
  const run = await createApiKey({ orgId: org.org_id, name: "run" });
  return { orgId: org.org_id, adminKey: admin.key, runKey: run.key };
}

/** A pack on sale. */
export async function aPack(opts: { credits?: number; priceCents?: number; currency?: string } = {}) {
  const { createPack } = await import("@/lib/billing/packs");
  return createPack({ name: "Pack", credits: opts.credits ?? 10_000, priceCents: opts.priceCents ?? 1000, currency: opts.currency });
}

export const ORIGIN = "http://flowgate.test";
/** A billing API request as a browser-facing server sees it (its Host says the origin). */
export const billingHeaders = (extra: Record<string, string> = {}) => ({ host: "flowgate.test", ...extra });
