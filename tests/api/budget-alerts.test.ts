import http from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { queueBudgetAlerts } from "@/db/queries/budget-usage";
import { sweepBudgetAlerts } from "@/lib/budgets/alerts";
import { budgetAlerts, budgetUsage, jobs, user } from "@/db/schema";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { createApiKey } from "@/lib/auth/api-keys";
import { resetEnvForTests } from "@/lib/env";
import { stopJobWorker } from "@/lib/queue/worker";
import { startQueue } from "@/lib/server/start-queue";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { createDashboardOrg } from "../support/dashboard-org";
import { expectLedgerEqualsBalance } from "../support/ledger";
import { apiRequest } from "../support/routes";
import { setMailEnv, startInbox, type Inbox } from "../support/smtp-server";
import { until } from "../support/until";

// Crossing each alert_at threshold of a budget sends budget.threshold to the org's webhook
// endpoints and a mail to its owners and admins — once per threshold, period and subject, however
// many settlements or instances see it (budget_alerts' primary key).

const STORY = "alpha beta gamma delta epsilon zeta "; // 18 credits a run (tests/api/budgets.test.ts)
let inbox: Inbox;
let receiver: { url: string; got: Array<{ type: string; data: Record<string, unknown> }>; close: () => void };
const saved = { ...process.env };

beforeAll(async () => {
  const got: Array<{ type: string; data: Record<string, unknown> }> = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      got.push(JSON.parse(body));
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  receiver = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, got, close: () => server.close() };
  process.env.WEBHOOKS_ALLOW_PRIVATE = "1";
  resetEnvForTests();
  inbox = await startInbox();
  await setMailEnv({ SMTP_URL: inbox.url });
  startQueue();
});
afterAll(async () => {
  stopJobWorker();
  delete process.env.WEBHOOKS_ALLOW_PRIVATE;
  await setMailEnv({ SMTP_URL: saved.SMTP_URL });
  await inbox.stop();
  receiver.close();
});

describe("budget alerts", () => {
  it("each threshold once per period: budget.threshold to the webhook, a mail to owners and admins; a new period alerts again", async () => {
    const org = await createDashboardOrg();
    const db = await getDb();
    const email = async (id: string) => (await db.select({ email: user.email }).from(user).where(eq(user.id, id)))[0]!.email;
    const [owner, admin, member] = [await email(org.users.owner), await email(org.users.admin), await email(org.users.member)];
    const key = await createApiKey({ orgId: org.orgId });
    const wf = await createWorkflow({
      orgId: org.orgId,
      name: "W",
      template: "{{story}}",
      model: "offline:echo",
      publish: true,
      maxOutputTokens: 10,
    });
    await runAdminCommand(["webhook", "create", "--org", org.orgId, "--url", receiver.url, "--events", "budget.threshold"]);
    const { budget } = (await runAdminCommand([
      "budget",
      "set",
      "--org",
      org.orgId,
      "--scope",
      "end_user",
      "--credits",
      "100",
      "--period",
      "day",
      "--alert-at",
      "10,30,100",
      "--name",
      "Daily",
    ])) as { budget: { id: string } };
    const run = async (status = 200) => {
      const res = await apiRequest(`/api/v1/run/${wf.workflow_id}`, {
        method: "POST",
        key: key.key,
        json: { story: STORY, user: "frank" },
      });
      expect(res.status).toBe(status);
    };
    const alerts = () => receiver.got.filter((g) => g.type === "budget.threshold" && g.data.budget_id === budget.id);

    await run(); // 18 of 100: 10% crossed
    const first = await until(() => alerts()[0], "budget.threshold at 10%");
    expect(first.data).toMatchObject({
      budget_id: budget.id,
      name: "Daily",
      scope: "end_user",
      period: "day",
      subject: "frank",
      threshold: 10,
      credits: 100,
      spent: 18,
      exhausted: false,
    });
    const mail = await until(() => inbox.to(owner)[0], "the owner's mail");
    expect(mail.subject).toBe("Org: budget Daily (end user frank) at 10%");
    await until(() => inbox.to(admin)[0], "the admin's mail");

    await run(); // 36: 30% crossed
    await until(() => alerts().find((a) => a.data.threshold === 30), "budget.threshold at 30%");
    await run(); // 54: nothing new
    // Settlements or instances seeing the same counters again add nothing.
    const [usage] = await db.select().from(budgetUsage).where(eq(budgetUsage.budgetId, budget.id));
    const key0 = { b: budget.id, p: usage!.periodStart.toISOString(), s: "frank" };
    expect((await Promise.all(Array.from({ length: 10 }, () => queueBudgetAlerts(db, org.orgId, [key0])))).reduce((a, b) => a + b)).toBe(0);
    await until(
      async () => !(await db.select().from(jobs).where(eq(jobs.kind, "budget-alert"))).some((j) => j.orgId === org.orgId),
      "alert jobs done",
    );
    await new Promise((r) => setTimeout(r, 500));
    expect(alerts().map((a) => a.data.threshold)).toEqual([10, 30]);
    await until(() => inbox.to(owner).length === 2, "two mails to the owner");
    expect(inbox.to(member)).toHaveLength(0);
    expect(await db.select().from(budgetAlerts).where(eq(budgetAlerts.budgetId, budget.id))).toHaveLength(2);

    // 54 spent, 46 left: the next run cannot pay its input (54) and is refused. The budget is
    // exhausted though spend stops short of 100%: the 100% alert goes out, once, marked so.
    await run(402);
    await run(402);
    const full = await until(() => alerts().find((a) => a.data.threshold === 100), "budget.threshold at 100%");
    expect(full.data).toMatchObject({ threshold: 100, spent: 54, exhausted: true });
    await until(() => inbox.to(owner).length === 3, "three mails to the owner");
    expect(alerts()).toHaveLength(3);

    // The day turns (the counter and its alerts belong to yesterday now): a new period alerts again.
    for (const t of [budgetUsage, budgetAlerts])
      await db
        .update(t)
        .set({ periodStart: sql`${t.periodStart} - interval '1 day'` })
        .where(eq(t.budgetId, budget.id));
    await run();
    await until(() => alerts().length === 4, "the new period's 10% alert");
    expect(alerts()[3]!.data).toMatchObject({ threshold: 10, spent: 18, exhausted: false });
    await expectLedgerEqualsBalance(org.orgId, 100_000 - 4 * 18);
  });

  it("an alert lost to a crash after the settlement's commit is queued by the periodic pass, exactly once", async () => {
    const org = await createDashboardOrg();
    const db = await getDb();
    await runAdminCommand(["webhook", "create", "--org", org.orgId, "--url", receiver.url, "--events", "budget.threshold"]);
    const { budget } = (await runAdminCommand([
      ...["budget", "set", "--org", org.orgId, "--scope", "end_user", "--credits", "100", "--period", "day"],
      ...["--alert-at", "50,90", "--name", "Lost"],
    ])) as { budget: { id: string } };
    // Counters as settlements left them, with no alert queued (the process died in between): today's
    // "gina" past 50%, today's "hal" under it, and "ivy" past 90% three days ago (a period long over).
    const d = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    await db.insert(budgetUsage).values([
      { budgetId: budget.id, periodStart: d, subject: "gina", used: 60, spent: 60 },
      { budgetId: budget.id, periodStart: d, subject: "hal", used: 40, spent: 40 },
      { budgetId: budget.id, periodStart: new Date(d.getTime() - 3 * 86400_000), subject: "ivy", used: 95, spent: 95 },
    ]);
    const ours = () =>
      db
        .select()
        .from(jobs)
        .where(and(eq(jobs.kind, "budget-alert"), eq(jobs.orgId, org.orgId)));
    stopJobWorker(); // the pass's jobs stay where they can be counted
    try {
      expect(await ours()).toEqual([]);
      expect(await sweepBudgetAlerts()).toBeGreaterThanOrEqual(1);
      const queued = await ours();
      expect(queued).toHaveLength(1);
      expect(queued[0]!.payload).toMatchObject({ budget_id: budget.id, subject: "gina", threshold: 50, spent: 60, exhausted: false });
      // A second pass (or another instance's, at the same time) queues nothing more.
      expect(await Promise.all([sweepBudgetAlerts(), sweepBudgetAlerts()])).toEqual([0, 0]);
      expect(await ours()).toHaveLength(1);
      const rows = await db.select().from(budgetAlerts).where(eq(budgetAlerts.budgetId, budget.id));
      expect(rows.map((r) => [r.subject, r.threshold])).toEqual([["gina", 50]]);
    } finally {
      startQueue();
    }
    const sent = () => receiver.got.filter((g) => g.type === "budget.threshold" && g.data.budget_id === budget.id);
    await until(() => sent()[0], "the swept alert's budget.threshold");
    expect(sent()[0]!.data).toMatchObject({ subject: "gina", threshold: 50, spent: 60, credits: 100 });
    await until(async () => (await ours()).length === 0, "the alert job done");
    expect(await sweepBudgetAlerts()).toBe(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(sent()).toHaveLength(1);
  });
});
