import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { billingAccounts, creditPurchases } from "@/db/schema";
import { archivePack } from "@/lib/billing/packs";
import { resetEnvForTests } from "@/lib/env";
import { aPack, billingFixture, billingHeaders, ORIGIN, useStripeStandIn } from "../support/billing";
import { apiRequest } from "../support/routes";

const checkout = (key: string, json: unknown, headers: Record<string, string> = {}) =>
  apiRequest("/api/v1/billing/checkout", { key, json, headers: billingHeaders(headers) });

describe("POST /api/v1/billing/checkout", () => {
  const stand = useStripeStandIn();
  const created = (path: string) => stand.current.requests.filter((r) => r.method === "POST" && r.path === path);

  it("creates a Checkout Session (mode payment, the pack as inline price_data, the card saved off-session) on the org's one Customer", async () => {
    const f = await billingFixture();
    const pack = await aPack({ credits: 50_000, priceCents: 2500 });
    const res = await checkout(f.adminKey, { pack_id: pack.pack_id });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.session_id).toMatch(/^cs_test_/);
    expect(body.url).toBe(`${stand.current.url}/c/pay/${body.session_id}`);
    const req = created("/v1/checkout/sessions").at(-1)!.params;
    expect(req).toMatchObject({
      mode: "payment",
      client_reference_id: f.orgId,
      line_items: [
        { quantity: "1", price_data: { currency: "usd", unit_amount: "2500", product_data: { name: "Pack (50,000 credits)" } } },
      ],
      payment_intent_data: {
        setup_future_usage: "off_session",
        metadata: { org_id: f.orgId, pack_id: pack.pack_id, purchase_id: body.purchase_id },
      },
      metadata: { org_id: f.orgId, pack_id: pack.pack_id, purchase_id: body.purchase_id },
      success_url: `${ORIGIN}/dashboard/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${ORIGIN}/dashboard/billing?checkout=canceled`,
    });
    const db = await getDb();
    const [purchase] = await db.select().from(creditPurchases).where(eq(creditPurchases.id, body.purchase_id));
    expect(purchase).toMatchObject({
      orgId: f.orgId,
      status: "pending",
      credits: 50_000,
      priceCents: 2500,
      currency: "usd",
      checkoutSessionId: body.session_id,
    });
    // The pack's price is snapshotted: archiving it leaves the purchase as it was.
    await archivePack(pack.pack_id);
    const [after] = await db.select().from(creditPurchases).where(eq(creditPurchases.id, body.purchase_id));
    expect(after).toMatchObject({ credits: 50_000, priceCents: 2500 });

    const summary = await (await apiRequest("/api/v1/billing", { key: f.adminKey })).json();
    expect(summary).toMatchObject({
      success: true,
      balance: 1000,
      buying_enabled: true,
      auto_top_up: { enabled: false, has_payment_method: false },
    });
    expect(summary.purchases).toMatchObject([{ purchase_id: body.purchase_id, status: "pending", credits: 50_000, receipt_url: null }]);
    expect(summary.packs.some((p: { pack_id: string }) => p.pack_id === pack.pack_id)).toBe(false);
  });

  it("creates the org's Customer once, however many first purchases race", async () => {
    const f = await billingFixture();
    const pack = await aPack();
    const answers = await Promise.all(
      Array.from({ length: 6 }, () => checkout(f.adminKey, { pack_id: pack.pack_id }).then((r) => r.json())),
    );
    expect(answers.every((a) => a.session_id)).toBe(true);
    const customers = [...stand.current.objects.values()].filter((o) => o.object === "customer" && o.metadata?.org_id === f.orgId);
    expect(customers).toHaveLength(1);
    const sessions = answers.map((a) => stand.current.objects.get(a.session_id)!);
    expect(new Set(sessions.map((s) => s.customer))).toEqual(new Set([customers[0]!.id]));
    const [account] = await (await getDb()).select().from(billingAccounts).where(eq(billingAccounts.orgId, f.orgId));
    expect(account!.stripeCustomerId).toBe(customers[0]!.id);
  });

  it("honours Idempotency-Key: a repeat answers the same session, created once", async () => {
    const f = await billingFixture();
    const pack = await aPack();
    const before = created("/v1/checkout/sessions").length;
    const a = await checkout(f.adminKey, { pack_id: pack.pack_id }, { "idempotency-key": "buy-1" });
    const b = await checkout(f.adminKey, { pack_id: pack.pack_id }, { "idempotency-key": "buy-1" });
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect((await b.json()).session_id).toBe((await a.json()).session_id);
    expect(created("/v1/checkout/sessions").length).toBe(before + 1);
  });

  it("refuses bad input in the documented shape, with nothing created at Stripe", async () => {
    const f = await billingFixture();
    const pack = await aPack();
    const archived = await aPack();
    await archivePack(archived.pack_id);
    const eur = await aPack({ currency: "eur" });
    // The org has paid in USD before: its Customer's currency.
    await checkout(f.adminKey, { pack_id: pack.pack_id });
    await (await getDb()).update(billingAccounts).set({ currency: "usd" }).where(eq(billingAccounts.orgId, f.orgId));
    const before = stand.current.requests.length;
    const cases: Array<[unknown, number, string | RegExp]> = [
      [{ pack_id: "pack_doesnotexist000000000000" }, 404, /is not on sale/],
      [{ pack_id: archived.pack_id }, 404, /is not on sale/],
      [{ pack_id: eur.pack_id }, 400, "This pack is priced in EUR; this organization pays in USD"],
      [{ pack_id: pack.pack_id, success_url: "not a url" }, 400, "success_url must be an absolute URL"],
      [{ pack_id: pack.pack_id, success_url: "https://evil.example/steal" }, 400, `success_url must be on ${ORIGIN}`],
      [{ pack_id: pack.pack_id, cancel_url: "javascript:alert(1)" }, 400, "cancel_url must be an http(s) URL"],
      [{ pack_id: pack.pack_id, success_url: `${ORIGIN}/${"x".repeat(3000)}` }, 400, /success_url/],
      [{}, 400, /pack_id/],
      [{ pack_id: pack.pack_id, extra: 1 }, 400, /extra/],
    ];
    for (const [json, status, message] of cases) {
      const res = await checkout(f.adminKey, json);
      const body = await res.json();
      expect({ json, status: res.status }).toEqual({ json, status });
      expect(body).toMatchObject({
        success: false,
        error: typeof message === "string" ? message : expect.stringMatching(message),
        request_id: expect.any(String),
      });
    }
    expect(stand.current.requests.length).toBe(before);
    const pending = await (await getDb()).select().from(creditPurchases).where(eq(creditPurchases.orgId, f.orgId));
    expect(pending).toHaveLength(1);
  });

  it("needs an admin-scope key, for checkout and for the summary", async () => {
    const f = await billingFixture();
    const pack = await aPack();
    expect((await checkout(f.runKey, { pack_id: pack.pack_id })).status).toBe(403);
    expect((await apiRequest("/api/v1/billing", { key: f.runKey })).status).toBe(403);
    expect((await apiRequest("/api/v1/billing")).status).toBe(401);
  });

  it("without Stripe configured: the summary says so, checkout is a 503 and nothing reaches Stripe", async () => {
    const f = await billingFixture();
    const pack = await aPack();
    const saved = process.env.STRIPE_SECRET_KEY;
    delete process.env.STRIPE_SECRET_KEY;
    resetEnvForTests();
    try {
      const before = stand.current.requests.length;
      const res = await checkout(f.adminKey, { pack_id: pack.pack_id });
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({
        success: false,
        code: "service_unavailable",
        error: "Buying credits is not configured on this server",
      });
      expect(await (await apiRequest("/api/v1/billing", { key: f.adminKey })).json()).toMatchObject({
        balance: 1000,
        buying_enabled: false,
      });
      expect(stand.current.requests.length).toBe(before);
    } finally {
      process.env.STRIPE_SECRET_KEY = saved;
      resetEnvForTests();
    }
  });
});
