// Seeds the operator console's e2e server (tests/e2e/operator-console.test.ts) before it starts:
// an org with a month of traffic, so the console's charts, ledger, keys, webhooks and health pages
// have something to show. The traffic is rows only (runs, deliveries, mail, jobs): the console
// reads them and never runs anything, so the runs' ledger entries are left out (its balance is the
// grants'). Prints what it made as one JSON line.
import { closeDb, getDb } from "@/db";
import { billingAccounts, billingProblems, jobs, mailDeliveries, runs, webhookDeliveries, webhookEndpoints } from "@/db/schema";
import { createApiKey } from "@/lib/auth/api-keys";
import { createPack } from "@/lib/billing/packs";
import { newId } from "@/lib/ids";
import { setModelPrice } from "@/lib/llm/prices";
import { adjustOrgCredits } from "@/lib/operator/org-actions";
import { createOrg } from "@/lib/orgs/create-org";
import { createWorkflow } from "@/lib/workflows/create-workflow";

const now = Date.now();
const { org_id: orgId } = await createOrg({ name: "Busy Co", credits: 2_000_000 });
await createApiKey({ orgId, name: "production" });
await createApiKey({ orgId, name: "staging" });
const wf = await createWorkflow({ orgId, name: "Summaries", template: "Summarize {{text}}", model: "offline:echo", publish: true });
await adjustOrgCredits({ orgId, amount: 50_000, reason: "onboarding bonus", operator: { label: "cli" } });

const db = await getDb();
const rows: Array<typeof runs.$inferInsert> = [];
// A month of days, busier towards today, and the last hour minute by minute with a burst of failures.
for (let d = 29; d >= 0; d--)
  for (let i = 0; i < 3 + ((29 - d) % 7) * 2; i++)
    rows.push(run(new Date(now - d * 86_400_000 - 2 * 3_600_000 - i * 60_000), i % 9 === 0 ? "failed" : "completed", 40 + i * 13));
for (let m = 59; m >= 0; m--)
  for (let i = 0; i < 1 + (m % 5); i++)
    rows.push(run(new Date(now - m * 60_000 - i * 1000), m >= 20 && m <= 24 ? "failed" : "completed", 25));
for (let i = 0; i < rows.length; i += 200) await db.insert(runs).values(rows.slice(i, i + 200));

const endpointId = newId.webhook();
await db.insert(webhookEndpoints).values({
  id: endpointId,
  orgId,
  url: "https://hooks.busy.example/flowgate",
  events: ["run.completed", "run.failed"],
  secret: "whsec_c2VlZC1vbmx5LW5vdC1hLXJlYWwtc2VjcmV0",
});
for (let h = 23; h >= 0; h--)
  for (let i = 0; i < 4; i++)
    await db.insert(webhookDeliveries).values({
      id: newId.webhookMessage(),
      orgId,
      endpointId,
      eventType: "run.completed",
      payload: {},
      status: h % 6 === 0 && i === 0 ? "failed" : h === 0 && i === 3 ? "pending" : "delivered",
      createdAt: new Date(now - h * 3_600_000 - i * 60_000),
    });
for (const [status, kind, to] of [
  ["sent", "verify-email", "new.user@busy.example"],
  ["sent", "invitation", "teammate@busy.example"],
  ["failed", "notice", "bounced@busy.example"],
  ["pending", "password-reset", "forgetful@busy.example"],
] as const)
  await db.insert(mailDeliveries).values({
    id: newId.mail(),
    kind,
    toAddress: to,
    subject: kind,
    status,
    attempts: status === "failed" ? 5 : 1,
    lastError: status === "failed" ? "550 5.1.1 mailbox unavailable" : null,
  });
// Jobs scheduled ahead (no worker takes them before the test has looked): some depth and age.
for (const [kind, ageS] of [
  ["webhook", 300],
  ["webhook", 90],
  ["mail", 1_200],
  ["eval", 45],
] as const)
  await db.insert(jobs).values({
    kind,
    payload: { seeded: true },
    orgId,
    runAt: new Date(now + 3_600_000),
    createdAt: new Date(now - ageS * 1000),
  });
// What lib/billing records when Stripe reports a dispute: the org's flag and the event to look at.
await db.insert(billingAccounts).values({ orgId, flaggedAt: new Date(), flagReason: "dispute du_e2e opened" });
await db.insert(billingProblems).values({ orgId, kind: "dispute", stripeEventId: "evt_e2e_dispute", detail: { amount: 9900 } });
await setModelPrice({ model: "openai:gpt-4.1-mini", input: 400_000, output: 1_600_000 });
await setModelPrice({ model: "offline:echo", input: 1_000_000, output: 1_000_000 });
await createPack({ name: "Starter", credits: 250_000, priceCents: 1500 });
await createPack({ name: "Team", credits: 2_000_000, priceCents: 9900 });

process.stdout.write(JSON.stringify({ busyOrgId: orgId }) + "\n");
await closeDb();

function run(createdAt: Date, status: "completed" | "failed", credits: number): typeof runs.$inferInsert {
  return {
    id: newId.run(),
    orgId,
    workflowId: wf.workflow_id,
    source: "api",
    status,
    model: "openai:gpt-4.1-mini",
    inputs: { text: "…" },
    inputTokens: 30,
    outputTokens: status === "failed" ? 0 : 50,
    totalTokens: status === "failed" ? 30 : 80,
    creditsCharged: status === "failed" ? 0 : credits,
    errorCode: status === "failed" ? "upstream_error" : null,
    attempts: [
      {
        model: "openai:gpt-4.1-mini",
        provider: "openai",
        status: status === "failed" ? "failed" : "succeeded",
        error_class: status === "failed" ? "server_error" : null,
        http_status: status === "failed" ? 502 : 200,
        duration_ms: 800,
        input_tokens: 30,
        output_tokens: 50,
      },
    ],
    createdAt,
    finishedAt: new Date(createdAt.getTime() + 900),
  };
}
