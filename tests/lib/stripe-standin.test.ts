import Stripe from "stripe";
import { describe, expect, it } from "vitest";
import { stripeClient } from "@/lib/billing/stripe-client";
import { useStripeStandIn } from "../support/billing";
import { parseStripeForm } from "../support/stripe-standin";

// The stand-in is only useful if the real SDK cannot tell it from Stripe for what we use.
describe("Stripe stand-in, through the real stripe SDK", () => {
  const stand = useStripeStandIn();

  it("parses Stripe's bracket notation, indexed arrays and []", () => {
    expect(
      parseStripeForm("line_items[0][price_data][currency]=usd&line_items[0][quantity]=1&expand[]=a&expand[]=b&metadata[org_id]=org_1"),
    ).toEqual({ line_items: [{ price_data: { currency: "usd" }, quantity: "1" }], expand: ["a", "b"], metadata: { org_id: "org_1" } });
  });

  it("creates customers and checkout sessions with Stripe's ids and objects, form-encoded", async () => {
    const stripe = stripeClient();
    const cus = await stripe.customers.create({ name: "Acme", metadata: { org_id: "org_x" } });
    expect(cus).toMatchObject({ object: "customer", name: "Acme", metadata: { org_id: "org_x" } });
    expect(cus.id).toMatch(/^cus_/);
    const s = await stripe.checkout.sessions.create({
      mode: "payment",
      customer: cus.id,
      success_url: "https://app.test/ok",
      cancel_url: "https://app.test/no",
      line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: 1500, product_data: { name: "10k credits" } } }],
      payment_intent_data: { setup_future_usage: "off_session" },
    });
    expect(s).toMatchObject({ object: "checkout.session", mode: "payment", amount_total: 1500, currency: "usd", payment_status: "unpaid" });
    expect(s.id).toMatch(/^cs_test_/);
    expect(s.url).toBe(`${stand.current.url}/c/pay/${s.id}`);
    const req = stand.current.requests.at(-1)!;
    expect(req.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(req.params.line_items[0].price_data.product_data.name).toBe("10k credits");
    expect(req.params.payment_intent_data.setup_future_usage).toBe("off_session");
  });

  it("answers Stripe's error shape, which the SDK turns into its typed errors", async () => {
    const stripe = stripeClient();
    const err = await stripe.checkout.sessions
      .create({ mode: "payment", success_url: "https://app.test/ok", customer: "cus_nope" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(err).toMatchObject({ statusCode: 404, code: "resource_missing", param: "customer", message: "No such customer: 'cus_nope'" });
    const noKey = new Stripe("sk_test_wrong", {
      host: new URL(stand.current.url).hostname,
      port: new URL(stand.current.url).port,
      protocol: "http",
      maxNetworkRetries: 0,
    });
    await expect(noKey.customers.create({})).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });

  it("declines an off-session PaymentIntent with a card error carrying the PaymentIntent", async () => {
    const stripe = stripeClient();
    const cus = await stripe.customers.create({});
    const s = await stripe.checkout.sessions.create({
      mode: "payment",
      customer: cus.id,
      success_url: "https://a.test/",
      line_items: [{ quantity: 1, price_data: { currency: "usd", unit_amount: 100, product_data: { name: "p" } } }],
    });
    const paid = stand.current.payCheckout(s.id);
    const pi = await stripe.paymentIntents.retrieve(paid.payment_intent, { expand: ["latest_charge"] });
    expect((pi.latest_charge as Stripe.Charge).receipt_url).toMatch(/^http/);
    stand.current.declineOffSession = "insufficient_funds";
    try {
      const err = await stripe.paymentIntents
        .create({
          amount: 100,
          currency: "usd",
          customer: cus.id,
          payment_method: pi.payment_method as string,
          off_session: true,
          confirm: true,
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(err).toMatchObject({ statusCode: 402, code: "card_declined", decline_code: "insufficient_funds" });
      expect((err as Stripe.errors.StripeCardError).payment_intent?.id).toMatch(/^pi_/);
    } finally {
      stand.current.declineOffSession = null;
    }
  });

  it("replays the first answer of an Idempotency-Key", async () => {
    const stripe = stripeClient();
    const a = await stripe.customers.create({ name: "once" }, { idempotencyKey: "k-1" });
    const b = await stripe.customers.create({ name: "once" }, { idempotencyKey: "k-1" });
    expect(b.id).toBe(a.id);
  });

  it("signs events as Stripe does: constructEvent accepts them, and refuses another secret or a stale timestamp", () => {
    const stripe = stripeClient();
    const ev = stand.current.event("checkout.session.completed", { id: "cs_test_x", object: "checkout.session" });
    const { payload, header } = stand.current.sign(ev);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(stripe.webhooks.constructEvent(payload, header, stand.current.webhookSecret).id).toBe(ev.id);
    const other = stand.current.sign(ev, { secret: "whsec_other" });
    expect(() => stripe.webhooks.constructEvent(other.payload, other.header, stand.current.webhookSecret)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
    const stale = stand.current.sign(ev, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expect(() => stripe.webhooks.constructEvent(stale.payload, stale.header, stand.current.webhookSecret)).toThrow(
      /timestamp outside the tolerance/i,
    );
  });
});
