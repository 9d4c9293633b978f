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

/** Delivers a signed Stripe event to POST /api/webhooks/stripe, as Stripe does. */
export async function deliverEvent(
  stand: import("./stripe-standin").StripeStandIn,
  event: Record<string, unknown>,
  sign: { timestamp?: number; secret?: string } = {},
) {
  const { apiRequest } = await import("./routes");
  const { payload, header } = stand.sign(event, sign);
  return apiRequest("/api/webhooks/stripe", {
    method: "POST",
    body: payload,
    headers: { "stripe-signature": header, "content-type": "application/json; charset=utf-8" },
  });
}

/** Buys `pack` through the API and pays at the stand-in: the completed session (the event is not sent). */
export async function buyAndPay(
  stand: import("./stripe-standin").StripeStandIn,
  adminKey: string,
  packId: string,
  opts: { paymentStatus?: "paid" | "unpaid" } = {},
) {
  const { apiRequest } = await import("./routes");
  const res = await apiRequest("/api/v1/billing/checkout", { key: adminKey, json: { pack_id: packId }, headers: billingHeaders() });
  if (res.status !== 200) throw new Error(`checkout answered ${res.status}: ${await res.text()}`);
  const { session_id, purchase_id } = await res.json();
  return { session: stand.payCheckout(session_id, opts), purchaseId: purchase_id as string };
}

/** The org's balance and its ledger's sum (equal, always: lib/credits/README.md invariant 1). */
export async function balanceAndLedger(orgId: string) {
  const { getDb } = await import("@/db");
  const { sql } = await import("drizzle-orm");
  const db = await getDb();
  const rows = await db.execute(sql`SELECT (SELECT credit_balance FROM orgs WHERE id = ${orgId}) AS balance,
    (SELECT COALESCE(SUM(amount), 0) FROM credit_ledger WHERE org_id = ${orgId}) AS ledger`);
  const row = (Array.isArray(rows) ? rows[0] : (rows as { rows: Record<string, unknown>[] }).rows[0]) as {
    balance: unknown;
    ledger: unknown;
  };
  return { balance: Number(row.balance), ledger: Number(row.ledger) };
}
