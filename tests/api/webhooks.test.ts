import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import { eq, sql } from "drizzle-orm";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { getDb } from "@/db";
import { jobs, webhookDeliveries, webhookEndpoints } from "@/db/schema";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { resetEnvForTests } from "@/lib/env";
import { startQueue } from "@/lib/server/start-queue";
import { stopJobWorker } from "@/lib/queue/worker";
import { listDeliveries, redeliverWebhook } from "@/lib/webhooks/deliveries";
import { isForbiddenOutboundAddress } from "@/lib/webhooks/outbound";
import { moveLabel } from "@/lib/workflows/move-label";
import { publishVersion } from "@/lib/workflows/publish-version";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";
import { until } from "../support/until";

// Signed webhook deliveries to a receiver on loopback (allowed here by WEBHOOKS_ALLOW_PRIVATE=1),
// verified with the standardwebhooks package — an implementation independent of ours.

type Received = { headers: http.IncomingHttpHeaders; body: string };
let receiver: { url: string; got: Received[]; failNext: number; status: number; close: () => void };

function allowPrivate(on: boolean) {
  if (on) process.env.WEBHOOKS_ALLOW_PRIVATE = "1";
  else delete process.env.WEBHOOKS_ALLOW_PRIVATE;
  resetEnvForTests();
}

beforeAll(async () => {
  const got: Received[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      const fail = receiver.failNext > 0;
      if (fail) receiver.failNext--;
      res.writeHead(fail ? 503 : receiver.status, { "content-type": "text/plain" }).end(fail ? "busy, try later" : "ok thanks");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  receiver = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    got,
    failNext: 0,
    status: 200,
    close: () => server.close(),
  };
  allowPrivate(true);
  startQueue();
});
afterAll(() => {
  stopJobWorker();
  allowPrivate(false);
  receiver.close();
});
beforeEach(() => {
  receiver.got.length = 0;
  receiver.failNext = 0;
  receiver.status = 200;
});

const events = (type: string) => receiver.got.filter((g) => JSON.parse(g.body).type === type);
/** Due now: the retry schedule's first waits are seconds to minutes; the test does not sit through them. */
const hurry = async () =>
  (await getDb())
    .update(jobs)
    .set({ runAt: sql`now()` })
    .where(eq(jobs.kind, "webhook"));

describe("webhooks", () => {
  it("webhook create → whsec_ secret once; run.completed is delivered signed per Standard Webhooks, with ids and usage only", async () => {
    const f = await createFixture({ credits: 10_000 });
    const created = await runAdminCommand([
      "webhook",
      "create",
      "--org",
      f.orgId,
      "--url",
      receiver.url,
      "--events",
      "run.completed,run.failed",
    ]);
    expect(created).toEqual({
      webhook_id: expect.stringMatching(/^wh_/),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{32}$/),
      url: receiver.url,
      events: ["run.completed", "run.failed"],
      include_data: false,
    });
    expect(JSON.stringify(await runAdminCommand(["webhook", "list", "--org", f.orgId]))).not.toContain(created.secret as string);

    const run = await (
      await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "a secret plan" } })
    ).json();
    const got = await until(async () => events("run.completed")[0], "run.completed");
    const verified = new Webhook(created.secret as string).verify(got.body, got.headers as Record<string, string>) as {
      type: string;
      data: Record<string, unknown>;
    };
    console.info(
      `[webhook] as received:\n${["webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "user-agent"].map((h) => `${h}: ${got.headers[h]}`).join("\n")}\n\n${got.body}\n→ standardwebhooks verify: ok (${verified.type})`,
    );
    expect(got.headers["webhook-id"]).toMatch(/^msg_/);
    expect(verified).toMatchObject({
      type: "run.completed",
      data: { run_id: run.run_id, workflow_id: f.workflowId, status: "completed", credits_charged: run.credits_charged, usage: run.usage },
    });
    // Neither inputs nor output, unless the endpoint opts in; never a secret.
    expect(got.body).not.toContain("secret plan");
    expect(got.body).not.toContain(f.key);
    // A tampered body fails the independent verifier.
    expect(() =>
      new Webhook(created.secret as string).verify(got.body.replace("completed", "failed"), got.headers as Record<string, string>),
    ).toThrow();
    // Logged once the receiver's answer is in (just after it got the request).
    const log = await until(async () => {
      const [d] = await listDeliveries({ orgId: f.orgId });
      return d?.status !== "pending" ? d : undefined;
    }, "the log");
    expect(log).toMatchObject({ status: "delivered", attempts: 1, last_status: 200, last_response: "ok thanks", event: "run.completed" });
    expect(log!.last_latency_ms).toBeGreaterThanOrEqual(0);
  });

  it("workflow.published and label.moved (in the change's transaction); include-data endpoints get inputs and output; ordering not assumed", async () => {
    const f = await createFixture({ credits: 10_000 });
    const all = await runAdminCommand([
      "webhook",
      "create",
      "--org",
      f.orgId,
      "--url",
      receiver.url,
      "--events",
      "workflow.published,label.moved,run.completed",
      "--include-data",
    ]);
    await publishVersion({ orgId: f.orgId, workflowId: f.workflowId, note: "v2 from CI" });
    await moveLabel({ orgId: f.orgId, workflowId: f.workflowId, label: "staging", version: 1, actorId: null });
    await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "a secret plan" } });
    await until(async () => receiver.got.length >= 3 && receiver.got, "three events");
    const wh = new Webhook(all.secret as string);
    for (const g of receiver.got) wh.verify(g.body, g.headers as Record<string, string>);
    expect(JSON.parse(events("workflow.published")[0]!.body).data).toMatchObject({
      workflow_id: f.workflowId,
      version: 2,
      note: "v2 from CI",
    });
    expect(JSON.parse(events("label.moved")[0]!.body).data).toMatchObject({ workflow_id: f.workflowId, label: "staging", to_version: 1 });
    expect(JSON.parse(events("run.completed")[0]!.body).data).toMatchObject({
      inputs: { story: "a secret plan" },
      output: expect.stringContaining("a secret plan"),
    });
    // A publish that fails (archived workflow → 404) rolls back: no event.
    await expect(publishVersion({ orgId: f.orgId, workflowId: "wf_000000000000000000000000" })).rejects.toThrow();
    expect(await (await getDb()).select().from(webhookDeliveries).where(eq(webhookDeliveries.orgId, f.orgId))).toHaveLength(3);
  });

  it("a run's event commits with its settlement (an outbox job): it survives a process that stops right after, and is delivered once a worker runs", async () => {
    const f = await createFixture({ credits: 10_000 });
    const quiet = await createFixture({ credits: 10_000 }); // no endpoint: no job at all
    await runAdminCommand(["webhook", "create", "--org", f.orgId, "--url", receiver.url, "--events", "run.completed"]);
    const db = await getDb();
    // No worker anywhere: as if the process died the moment the settlement committed.
    stopJobWorker();
    try {
      const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: "outbox" } });
      const run = await res.json();
      await apiRequest(`/api/v1/run/${quiet.workflowId}`, { method: "POST", key: quiet.key, json: { story: "nobody listens" } });
      const queued = await db.select().from(jobs).where(eq(jobs.kind, "run-event"));
      expect(queued.map((j) => j.payload)).toContainEqual({ run_id: run.run_id, org_id: f.orgId });
      expect(queued.filter((j) => (j.payload as { org_id: string }).org_id === quiet.orgId)).toHaveLength(0);
      expect(await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.orgId, f.orgId))).toHaveLength(0);
      await new Promise((r) => setTimeout(r, 300));
      expect(events("run.completed")).toHaveLength(0);
    } finally {
      startQueue();
    }
    const got = await until(async () => events("run.completed")[0], "run.completed after the restart");
    expect(JSON.parse(got.body).data).toMatchObject({ status: "completed", credits_charged: expect.any(Number) });
    expect(await db.select().from(jobs).where(eq(jobs.kind, "run-event"))).toHaveLength(0);
    expect(await db.select().from(webhookDeliveries).where(eq(webhookDeliveries.orgId, f.orgId))).toHaveLength(1);
  });

  it("retries with backoff against a receiver that fails first: same webhook-id, logged, then delivered; redeliver sends it again", async () => {
    const f = await createFixture({ credits: 10_000 });
    await runAdminCommand(["webhook", "create", "--org", f.orgId, "--url", receiver.url, "--events", "workflow.published"]);
    receiver.failNext = 2;
    await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
    const first = await until(
      async () => (await listDeliveries({ orgId: f.orgId }))[0]?.attempts === 1 && (await listDeliveries({ orgId: f.orgId }))[0]!,
      "first attempt",
    );
    expect(first).toMatchObject({ status: "pending", last_status: 503, last_response: "busy, try later" });
    // The next attempt is scheduled 5 s on (then 5 min, 30 min, … about a day in all).
    expect(new Date(first.next_attempt_at!).getTime() - Date.now()).toBeGreaterThan(2000);
    await hurry();
    await until(async () => (await listDeliveries({ orgId: f.orgId }))[0]?.attempts === 2, "second attempt");
    await hurry();
    const done = await until(async () => {
      const [d] = await listDeliveries({ orgId: f.orgId });
      return d?.status === "delivered" && d;
    }, "delivery");
    expect(done).toMatchObject({ attempts: 3, last_status: 200 });
    expect(receiver.got).toHaveLength(3);
    expect(new Set(receiver.got.map((g) => g.headers["webhook-id"])).size).toBe(1);
    // Its job goes just after the delivery is logged.
    await until(
      async () =>
        (
          await (
            await getDb()
          )
            .select()
            .from(jobs)
            .where(sql`${jobs.payload}->>'deliveryId' = ${done.delivery_id}`)
        ).length === 0,
      "the job's removal",
    );

    await redeliverWebhook({ orgId: f.orgId, deliveryId: done.delivery_id });
    await until(async () => receiver.got.length === 4, "redelivery");
    expect(receiver.got[3]!.headers["webhook-id"]).toBe(done.delivery_id);
    await expect(redeliverWebhook({ orgId: (await createFixture()).orgId, deliveryId: done.delivery_id })).rejects.toMatchObject({
      code: "not_found",
    });
  });

  it("20 concurrent redelivers of one delivery send one copy; a redeliver while it is queued or in flight sends none", async () => {
    const f = await createFixture({ credits: 10_000 });
    await runAdminCommand(["webhook", "create", "--org", f.orgId, "--url", receiver.url, "--events", "workflow.published"]);
    await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
    const done = await until(async () => {
      const [d] = await listDeliveries({ orgId: f.orgId });
      return d?.status === "delivered" && d;
    }, "delivery");
    expect(receiver.got).toHaveLength(1);
    const db = await getDb();
    const jobsOf = () =>
      db
        .select()
        .from(jobs)
        .where(sql`${jobs.payload}->>'deliveryId' = ${done.delivery_id}`);
    stopJobWorker(); // hold the queue: every redeliver below finds the delivery queued or resets it
    let answers;
    try {
      answers = await Promise.all(Array.from({ length: 20 }, () => redeliverWebhook({ orgId: f.orgId, deliveryId: done.delivery_id })));
      expect(await jobsOf()).toHaveLength(1);
      // Queued: more clicks change nothing.
      expect(await redeliverWebhook({ orgId: f.orgId, deliveryId: done.delivery_id })).toEqual({
        delivery_id: done.delivery_id,
        status: "pending",
        redelivered: false,
      });
      expect(await jobsOf()).toHaveLength(1);
    } finally {
      startQueue();
    }
    expect(answers.filter((a) => a.redelivered)).toHaveLength(1);
    expect(answers.every((a) => a.status === "pending")).toBe(true);
    await until(
      async () => (await listDeliveries({ orgId: f.orgId }))[0]?.status === "delivered" && (await jobsOf()).length === 0,
      "the redelivery",
    );
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.got).toHaveLength(2);
    expect(receiver.got[1]!.headers["webhook-id"]).toBe(done.delivery_id);
  });

  it("an endpoint failing for a day is disabled, with the reason; it then gets nothing until enabled", async () => {
    const f = await createFixture({ credits: 10_000 });
    const wh = await runAdminCommand(["webhook", "create", "--org", f.orgId, "--url", receiver.url, "--events", "workflow.published"]);
    receiver.status = 500;
    await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
    await until(async () => (await listDeliveries({ orgId: f.orgId }))[0]?.attempts === 1, "first failure");
    const db = await getDb();
    const [ep] = await db
      .select()
      .from(webhookEndpoints)
      .where(eq(webhookEndpoints.id, wh.webhook_id as string));
    expect(ep!.failingSince).not.toBeNull();
    expect(ep!.disabledAt).toBeNull();
    // A day later, still failing:
    await db
      .update(webhookEndpoints)
      .set({ failingSince: sql`now() - interval '25 hours'` })
      .where(eq(webhookEndpoints.id, ep!.id));
    await hurry();
    const gone = await until(async () => {
      const l = (await runAdminCommand(["webhook", "list", "--org", f.orgId])) as { webhooks: Array<{ disabled_at: string | null }> };
      return l.webhooks[0]!.disabled_at ? l.webhooks[0] : undefined;
    }, "disabled");
    expect(gone).toMatchObject({ disabled_reason: "Every delivery failed for 24 hours (last: HTTP 500)" });
    // The delivery is logged just after the endpoint is disabled.
    expect(
      await until(async () => {
        const [d] = await listDeliveries({ orgId: f.orgId });
        return d?.status === "failed" && d;
      }, "the failed delivery"),
    ).toMatchObject({ status: "failed", attempts: 2 });
    await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
    expect(await listDeliveries({ orgId: f.orgId })).toHaveLength(1);
    await runAdminCommand(["webhook", "enable", "--org", f.orgId, "--webhook", ep!.id]);
    receiver.status = 200;
    await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
    await until(async () => (await listDeliveries({ orgId: f.orgId })).some((d) => d.status === "delivered"), "delivery after enabling");
  });
});

describe("webhook SSRF guard", () => {
  // Each block of the IANA special-purpose registries (IPv4 and IPv6), at its edges, and the public
  // addresses next to them.
  it.each([
    "0.0.0.0",
    "0.255.255.255",
    "10.0.0.0",
    "10.255.255.255",
    "100.64.0.0",
    "100.127.255.255",
    "127.0.0.1",
    "127.255.255.254",
    "169.254.169.254",
    "172.16.0.1",
    "172.31.255.255",
    "192.0.0.0",
    "192.0.0.8",
    "192.0.0.11",
    "192.0.0.170",
    "192.0.0.255",
    "192.0.2.0",
    "192.0.2.255",
    "192.88.99.1",
    "192.168.1.1",
    "198.18.0.0",
    "198.19.255.255",
    "198.51.100.0",
    "198.51.100.255",
    "203.0.113.0",
    "203.0.113.255",
    "224.0.0.1",
    "239.255.255.255",
    "240.0.0.1",
    "255.255.255.254",
    "255.255.255.255",
    "::",
    "::1",
    "::a00:1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::ffff:10.0.0.1",
    "::ffff:c000:201",
    "::ffff:198.51.100.1",
    "[::1]",
    "64:ff9b::808:808",
    "64:ff9b:1::1",
    "100::1",
    "100::ffff:ffff:ffff:ffff",
    "100:0:0:1::1",
    "2001::1",
    "2001:2::1",
    "2001:10::1",
    "2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff",
    "2001:1::4",
    "2001:db8::1",
    "2001:db8:ffff::1",
    "2002:c0a8:101::1",
    "3fff::1",
    "5f00::1",
    "fc00::1",
    "fd00::1",
    "fe80::1",
    "fe80::1%eth0",
    "febf::1",
    "fec0::1",
    "ff02::1",
    "ff0e::1",
    "not an address",
    "",
  ])("%s is refused", (ip) => expect(isForbiddenOutboundAddress(ip)).toBe(true));
  it.each([
    "8.8.8.8",
    "1.1.1.1",
    "1.0.0.0",
    "9.255.255.255",
    "11.0.0.0",
    "100.63.255.255",
    "100.128.0.0",
    "172.15.255.255",
    "172.32.0.1",
    "192.0.0.9",
    "192.0.0.10",
    "192.0.1.1",
    "192.0.3.1",
    "192.88.98.1",
    "192.169.0.1",
    "198.17.255.255",
    "198.20.0.0",
    "198.51.99.255",
    "198.51.101.1",
    "203.0.112.255",
    "203.0.114.1",
    "223.255.255.254",
    "::ffff:8.8.8.8",
    "2606:4700:4700::1111",
    "2001:4860:4860::8888",
    "2001:1::1",
    "2001:1::2",
    "2001:1::3",
    "2001:3::1",
    "2001:4:112::1",
    "2001:20::1",
    "2001:30::1",
    "2001:200::1",
    "2620:4f:8000::1",
    "2a00::1",
  ])("%s is public", (ip) => expect(isForbiddenOutboundAddress(ip)).toBe(false));

  it("this host's own addresses are refused, every interface's, and read again as interfaces change", () => {
    const own = Object.values(os.networkInterfaces())
      .flat()
      .filter((i) => i && !i.internal)
      .map((i) => i!.address);
    console.info(`[ssrf] this host's non-loopback addresses: ${own.join(", ")}`);
    expect(own.length).toBeGreaterThan(0);
    for (const a of own) expect(isForbiddenOutboundAddress(a)).toBe(true);
    // A public address appears on an interface (a VM with a public IP): refused once the list is read again (30 s).
    expect(isForbiddenOutboundAddress("8.8.4.4")).toBe(false);
    const real = os.networkInterfaces();
    const spy = vi.spyOn(os, "networkInterfaces").mockReturnValue({
      ...real,
      eth9: [
        { address: "8.8.4.4", netmask: "255.255.255.0", family: "IPv4", mac: "02:00:00:00:00:09", internal: false, cidr: "8.8.4.4/24" },
        {
          address: "2a00:1450::7",
          netmask: "ffff:ffff:ffff:ffff::",
          family: "IPv6",
          mac: "02:00:00:00:00:09",
          internal: false,
          cidr: "2a00:1450::7/64",
          scopeid: 0,
        },
      ],
    });
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() + 31_000 });
    try {
      expect(isForbiddenOutboundAddress("8.8.4.4")).toBe(true);
      expect(isForbiddenOutboundAddress("::ffff:8.8.4.4")).toBe(true);
      expect(isForbiddenOutboundAddress("2a00:1450::7")).toBe(true);
      expect(isForbiddenOutboundAddress("8.8.4.5")).toBe(false);
      spy.mockRestore();
      vi.setSystemTime(Date.now() + 31_000);
      expect(isForbiddenOutboundAddress("8.8.4.4")).toBe(false);
    } finally {
      spy.mockRestore();
      vi.useRealTimers();
    }
  });

  it("registering this host's own non-loopback address is refused, and so is delivering to it", async () => {
    const own = Object.values(os.networkInterfaces())
      .flat()
      .find((i) => i && !i.internal && i.family === "IPv4")!.address;
    // A receiver on that address, as in the report (its answer showed in the delivery log).
    const got: string[] = [];
    const server = http.createServer((req, res) => {
      got.push(req.url ?? "");
      res.end("inside");
    });
    await new Promise<void>((r) => server.listen(0, own, r));
    const url = `http://${own}:${(server.address() as AddressInfo).port}/`;
    const f = await createFixture();
    try {
      allowPrivate(false);
      await expect(
        runAdminCommand(["webhook", "create", "--org", f.orgId, "--url", url, "--events", "workflow.published"]),
      ).rejects.toMatchObject({
        code: "invalid_request",
        message: expect.stringContaining(`this host's own address (${own}): refused`),
      });
      allowPrivate(true); // registered while allowed; refused at the delivery once it is not
      await runAdminCommand(["webhook", "create", "--org", f.orgId, "--url", url, "--events", "workflow.published"]);
      allowPrivate(false);
      await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
      const d = await until(async () => {
        const [l] = await listDeliveries({ orgId: f.orgId });
        return l?.attempts ? l : undefined;
      }, "refused attempt");
      expect(d).toMatchObject({
        status: "pending",
        last_status: null,
        last_response: null,
        last_error: expect.stringContaining(`(${own}): refused`),
      });
      expect(got).toEqual([]);
    } finally {
      allowPrivate(true);
      server.close();
    }
  });

  it.each([
    ["a loopback IP", "http://127.0.0.1:9/x"],
    ["a name resolving to loopback", "http://localhost:9/x"],
    ["cloud metadata", "http://169.254.169.254/latest/meta-data"],
    ["IPv6 loopback", "http://[::1]:9/"],
    ["a private network", "https://10.0.0.7/hook"],
    ["an IPv4-mapped loopback", "http://[::ffff:7f00:1]/"],
    ["a documentation address", "http://198.51.100.10:8080/"],
    ["IPv6 documentation", "http://[2001:db8::1]/"],
    ["NAT64 of a private address", "http://[64:ff9b::a00:1]/"],
    ["shared address space (CGNAT)", "http://100.64.1.1/"],
    ["broadcast", "http://255.255.255.255/"],
    ["a unique-local IPv6", "http://[fd00::2]/"],
  ])("registering %s is refused without WEBHOOKS_ALLOW_PRIVATE", async (_, url) => {
    allowPrivate(false);
    try {
      const f = await createFixture();
      await expect(
        runAdminCommand(["webhook", "create", "--org", f.orgId, "--url", url, "--events", "run.completed"]),
      ).rejects.toMatchObject({
        code: "invalid_request",
        message: expect.stringContaining("private, loopback, link-local, special-purpose or this host's own address"),
      });
    } finally {
      allowPrivate(true);
    }
  });

  it.each([["ftp://example.com/x"], ["http://user:pw@example.com/"], ["not a url"]])("url %s is refused", async (url) => {
    const f = await createFixture();
    await expect(runAdminCommand(["webhook", "create", "--org", f.orgId, "--url", url, "--events", "run.completed"])).rejects.toMatchObject(
      { code: "invalid_request" },
    );
  });

  it("checked again at every delivery: an endpoint on loopback gets nothing once private addresses are refused", async () => {
    const f = await createFixture();
    await runAdminCommand(["webhook", "create", "--org", f.orgId, "--url", receiver.url, "--events", "workflow.published"]);
    allowPrivate(false);
    try {
      await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
      const d = await until(async () => {
        const [l] = await listDeliveries({ orgId: f.orgId });
        return l?.attempts ? l : undefined;
      }, "refused attempt");
      expect(d).toMatchObject({
        status: "pending",
        last_status: null,
        last_error: expect.stringContaining("this host's own address (127.0.0.1): refused"),
      });
      expect(receiver.got).toHaveLength(0);
    } finally {
      allowPrivate(true);
    }
  });
});
