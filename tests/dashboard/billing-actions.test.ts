import { describe, expect, it } from "vitest";
import { billingPortalAction, buyPackAction, setAutoTopUpAction } from "@/app/dashboard/billing/actions";
import { lowBalance } from "@/lib/billing/low-balance";
import { grantCredits } from "@/lib/credits/grant-credits";
import { billingPageData } from "@/lib/dashboard/page-data";
import { resetEnvForTests } from "@/lib/env";
import { aPack, deliverEvent, useStripeStandIn } from "../support/billing";
import { createDashboardOrg } from "../support/dashboard-org";

// The Billing page's actions and data as the dashboard runs them (orgAction): owners and admins
// buy and open the portal, members see balance and history; the return from Stripe shows pending
// until Stripe's event has granted the credits.
describe("dashboard billing", () => {
  const stand = useStripeStandIn();

  it("an admin buys: Stripe's page URL; the return shows pending until the signed event, then paid; the portal opens on the org's Customer", async () => {
    const o = await createDashboardOrg();
    const pack = await aPack({ credits: 20_000, priceCents: 1500 });
    const res = await buyPackAction.run(o.users.admin, { orgId: o.orgId, packId: pack.pack_id });
    if (!res.ok) throw new Error(res.error.message);
    expect(res.data.url).toBe(`${stand.current.url}/c/pay/${res.data.sessionId}`);
    const before = await billingPageData({ userId: o.users.member, orgId: o.orgId }, res.data.sessionId);
    expect(before.returned).toEqual({ status: "pending", credits: 20_000 });
    const session = stand.current.payCheckout(res.data.sessionId);
    expect((await billingPageData({ userId: o.users.member, orgId: o.orgId }, res.data.sessionId)).returned).toEqual({
      status: "pending",
      credits: 20_000,
    });
    await deliverEvent(stand.current, stand.current.event("checkout.session.completed", session));
    const after = await billingPageData({ userId: o.users.member, orgId: o.orgId }, res.data.sessionId);
    expect(after.returned).toEqual({ status: "paid", credits: 20_000 });
    expect(after.purchases[0]).toMatchObject({ status: "paid", receipt_url: expect.stringMatching(/^http/) });
    const portal = await billingPortalAction.run(o.users.owner, { orgId: o.orgId });
    if (!portal.ok) throw new Error(portal.error.message);
    expect(portal.data.url).toMatch(new RegExp(`^${stand.current.url}/p/session/bps_`));
    const portalReq = stand.current.requests.filter((r) => r.path === "/v1/billing_portal/sessions").at(-1)!;
    expect(portalReq.params.customer).toBe(stand.current.objects.get(res.data.sessionId)!.customer);
  });

  it("members cannot buy, open the portal or set auto top-up", async () => {
    const o = await createDashboardOrg();
    const pack = await aPack();
    const before = stand.current.requests.length;
    for (const res of [
      await buyPackAction.run(o.users.member, { orgId: o.orgId, packId: pack.pack_id }),
      await billingPortalAction.run(o.users.member, { orgId: o.orgId }),
      await setAutoTopUpAction.run(o.users.member, { orgId: o.orgId, enabled: false }),
    ])
      expect(res).toMatchObject({ ok: false, error: { code: "forbidden" } });
    expect(stand.current.requests.length).toBe(before);
  });

  it("the low-balance banner: low under the threshold, empty at zero, none above", async () => {
    const o = await createDashboardOrg();
    const { balance } = await billingPageData({ userId: o.users.member, orgId: o.orgId });
    if (balance > 0) await grantCredits({ orgId: o.orgId, amount: -balance });
    expect(await lowBalance(o.orgId)).toEqual({ level: "empty", balance: 0 });
    await grantCredits({ orgId: o.orgId, amount: 500 });
    expect(await lowBalance(o.orgId)).toEqual({ level: "low", balance: 500 });
    await grantCredits({ orgId: o.orgId, amount: 5000 });
    expect(await lowBalance(o.orgId)).toBeNull();
  });

  it("without Stripe configured the page still shows balance and history, and says buying is off", async () => {
    const o = await createDashboardOrg();
    const saved = { key: process.env.STRIPE_SECRET_KEY, hook: process.env.STRIPE_WEBHOOK_SECRET };
    delete process.env.STRIPE_SECRET_KEY;
    delete process.env.STRIPE_WEBHOOK_SECRET;
    resetEnvForTests();
    try {
      const data = await billingPageData({ userId: o.users.member, orgId: o.orgId });
      expect(data).toMatchObject({ buying_enabled: false, purchases: [] });
      expect(typeof data.balance).toBe("number");
      expect(await buyPackAction.run(o.users.admin, { orgId: o.orgId, packId: (await aPack()).pack_id })).toMatchObject({
        ok: false,
        error: { message: "Buying credits is not configured on this server" },
      });
    } finally {
      process.env.STRIPE_SECRET_KEY = saved.key;
      process.env.STRIPE_WEBHOOK_SECRET = saved.hook;
      resetEnvForTests();
    }
  });
});
