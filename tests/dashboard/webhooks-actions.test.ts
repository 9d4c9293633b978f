import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { webhookDeliveries, webhookEndpoints } from "@/db/schema";
import { createWebhookAction, deleteWebhookAction, enableWebhookAction, redeliverWebhookAction } from "@/app/dashboard/webhooks/actions";
import { webhooksPageData } from "@/lib/dashboard/page-data";
import { resetEnvForTests } from "@/lib/env";
import { listDeliveries } from "@/lib/webhooks/deliveries";
import { createWebhookEndpoint, listWebhooks } from "@/lib/webhooks/endpoints";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { createDashboardOrg } from "../support/dashboard-org";

// The webhooks page's actions through orgAction, as the server actions run them: admins and
// owners may, members may not, and another org (or another org's endpoint or delivery) is not
// found. Endpoints point at loopback (allowed by WEBHOOKS_ALLOW_PRIVATE); no worker runs here, so
// deliveries stay as the test leaves them.

const HOOK = "http://127.0.0.1:9/hooks";

beforeAll(() => {
  process.env.WEBHOOKS_ALLOW_PRIVATE = "1";
  resetEnvForTests();
});
afterAll(() => {
  delete process.env.WEBHOOKS_ALLOW_PRIVATE;
  resetEnvForTests();
});

/** A dashboard org with an endpoint for workflow.published and one delivery to it (a publish). */
async function makeOrg() {
  const o = await createDashboardOrg();
  const wh = await createWebhookEndpoint({ orgId: o.orgId, url: HOOK, events: ["workflow.published"] });
  await createWorkflow({ orgId: o.orgId, name: "W", template: "Write {{story}}", model: "offline:echo", publish: true });
  const [delivery] = await listDeliveries({ orgId: o.orgId });
  return { ...o, webhookId: wh.webhook_id, deliveryId: delivery!.delivery_id };
}
type Target = Awaited<ReturnType<typeof makeOrg>>;

let other: Target;
beforeAll(async () => {
  other = await makeOrg();
});

const ACTIONS = {
  create: (t: Target) => ({ action: createWebhookAction, input: { orgId: t.orgId, url: HOOK, events: ["run.completed"] } }),
  enable: (t: Target) => ({ action: enableWebhookAction, input: { orgId: t.orgId, webhookId: t.webhookId } }),
  delete: (t: Target) => ({ action: deleteWebhookAction, input: { orgId: t.orgId, webhookId: t.webhookId } }),
  redeliver: (t: Target) => ({ action: redeliverWebhookAction, input: { orgId: t.orgId, deliveryId: t.deliveryId } }),
} as const;

const cases = (Object.keys(ACTIONS) as Array<keyof typeof ACTIONS>).flatMap((name) => [
  { name, role: "member", org: "own", want: "forbidden" },
  { name, role: "admin", org: "own", want: "ok" },
  { name, role: "owner", org: "own", want: "ok" },
  { name, role: "owner", org: "other", want: "not_found" },
  ...(name === "create" ? [] : [{ name, role: "admin", org: "other-object", want: "not_found" }]),
]);

describe("webhook actions: role × action × org", () => {
  it.each(cases)("$name as $role on $org org → $want", async ({ name, role, org, want }) => {
    const fresh = await makeOrg();
    const target: Target =
      org === "own" ? fresh : org === "other" ? other : { ...fresh, webhookId: other.webhookId, deliveryId: other.deliveryId };
    const { action, input } = ACTIONS[name](target) as {
      action: { run: (u: string, i: unknown) => Promise<{ ok: boolean; error?: { code: string } }> };
      input: unknown;
    };
    const res = await action.run(fresh.users[role as "owner" | "admin" | "member"], input);
    if (want === "ok") expect(res, JSON.stringify(res)).toMatchObject({ ok: true });
    else expect(res.ok ? null : res.error?.code, JSON.stringify(res)).toBe(want);
  });
});

describe("webhooks page", () => {
  it("create shows the secret once; the page lists the endpoint without it", async () => {
    const o = await createDashboardOrg();
    const res = await createWebhookAction.run(o.users.admin, {
      orgId: o.orgId,
      url: HOOK,
      events: ["run.completed", "label.moved"],
      includeData: true,
    });
    if (!res.ok) throw new Error(res.error.message);
    expect(res.data.secret).toMatch(/^whsec_/);
    const page = await webhooksPageData({ userId: o.users.admin, orgId: o.orgId });
    expect(page.endpoints).toEqual([
      expect.objectContaining({
        webhook_id: res.data.webhook_id,
        url: HOOK,
        events: ["run.completed", "label.moved"],
        include_data: true,
        disabled_at: null,
      }),
    ]);
    expect(JSON.stringify(page)).not.toContain(res.data.secret);
    expect(page.events).toContain("workflow.published");
    await expect(webhooksPageData({ userId: o.users.member, orgId: o.orgId })).rejects.toMatchObject({ code: "forbidden" });
  });

  it("a disabled endpoint shows why; enable clears it; redeliver queues the delivery again; delete removes the endpoint", async () => {
    const o = await makeOrg();
    const db = await getDb();
    await db
      .update(webhookEndpoints)
      .set({ disabledAt: new Date(), disabledReason: "failing for 24 h: HTTP 503", failingSince: new Date(Date.now() - 86_400_000) })
      .where(eq(webhookEndpoints.id, o.webhookId));
    await db
      .update(webhookDeliveries)
      .set({ status: "failed", attempts: 8, nextAttemptAt: null })
      .where(eq(webhookDeliveries.id, o.deliveryId));
    const page = await webhooksPageData({ userId: o.users.owner, orgId: o.orgId });
    expect(page.endpoints[0]).toMatchObject({ disabled_reason: "failing for 24 h: HTTP 503" });
    expect(page.deliveries[0]).toMatchObject({ delivery_id: o.deliveryId, event: "workflow.published", status: "failed" });

    expect(await enableWebhookAction.run(o.users.admin, { orgId: o.orgId, webhookId: o.webhookId })).toMatchObject({ ok: true });
    expect((await listWebhooks(o.orgId))[0]).toMatchObject({ disabled_at: null, disabled_reason: null });
    expect(await redeliverWebhookAction.run(o.users.admin, { orgId: o.orgId, deliveryId: o.deliveryId })).toMatchObject({
      ok: true,
      data: { status: "pending" },
    });
    expect((await listDeliveries({ orgId: o.orgId }))[0]).toMatchObject({ status: "pending" });
    expect(await deleteWebhookAction.run(o.users.admin, { orgId: o.orgId, webhookId: o.webhookId })).toMatchObject({ ok: true });
    expect(await listWebhooks(o.orgId)).toEqual([]);
  });

  it.each([
    ["no events", { url: HOOK, events: [] }],
    ["an unknown event", { url: HOOK, events: ["run.exploded"] }],
    ["a URL that is not http(s)", { url: "ftp://example.com/x", events: ["run.completed"] }],
    ["a URL over 2048 characters", { url: `https://example.com/${"a".repeat(2048)}`, events: ["run.completed"] }],
    ["an unknown field", { url: HOOK, events: ["run.completed"], secret: "mine" }],
  ])("create refuses %s with invalid_request", async (_, input) => {
    const o = await createDashboardOrg();
    expect(await createWebhookAction.run(o.users.admin, { orgId: o.orgId, ...input })).toMatchObject({
      ok: false,
      error: { code: "invalid_request" },
    });
    expect(await listWebhooks(o.orgId)).toEqual([]);
  });
});
