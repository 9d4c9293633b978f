// Child process for async-crash.test.ts. `start`: queues async runs against a model that never
// answers, with room for RUNNING of them at a time, prints their ids once that many run and the
// rest wait, then waits to be killed. `boot`: a server start on the same database (the orphan
// sweep, then the queue), which prints what became of every run once none is left unfinished.
import { getDb } from "@/db";
import { sumLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { boot } from "@/lib/server/boot";
import { queueRun } from "@/lib/runs/async-run";
import { loadPublishedVersion } from "@/lib/runs/prepare-run";
import { startQueue } from "@/lib/server/start-queue";
import { createFixture, keyPrincipal } from "../support/fixtures";

const [mode, orgId] = process.argv.slice(2);
const statuses = async (org: string) => {
  const db = await getDb();
  const rows = await db.execute(`select status, count(*)::int as n from runs where org_id = '${org}' group by status` as never);
  const list = (Array.isArray(rows) ? rows : (rows as { rows: unknown[] }).rows) as { status: string; n: number }[];
  return Object.fromEntries(list.map((r) => [r.status, Number(r.n)]));
};

if (mode === "start") {
  const f = await createFixture({ credits: 10_000, model: "openai.chat:hang" });
  const version = await loadPublishedVersion(f.orgId, f.workflowId);
  const total = Number(process.env.TOTAL_RUNS);
  for (let i = 0; i < total; i++) {
    await queueRun({ principal: keyPrincipal(f), version, fields: {}, shape: () => ({ vars: { story: `run ${i}` }, history: [] }) });
  }
  startQueue();
  for (;;) {
    const s = await statuses(f.orgId);
    if (s.running === Number(process.env.RUN_QUEUE_CONCURRENCY)) {
      const org = await getOrg(await getDb(), f.orgId);
      process.stdout.write(JSON.stringify({ orgId: f.orgId, statuses: s, balance: org!.creditBalance }) + "\n");
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise(() => {});
} else {
  await boot();
  const db = await getDb();
  for (;;) {
    const s = await statuses(orgId!);
    if (!s.queued && !s.running) {
      const org = await getOrg(db, orgId!);
      process.stdout.write(JSON.stringify({ statuses: s, balance: org!.creditBalance, ledger: await sumLedger(db, orgId!) }) + "\n");
      process.exit(0);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
