// Child process for crash.test.ts: `start` begins a run against a model that never answers and
// prints the run's id, then waits to be killed; `stream` begins one that streams slowly and prints
// the run's row once its progress (sent to the provider, some output) is saved, then waits to be killed; `boot` is a server start on the same database
// (which sweeps orphans) that prints what became of that run.
import { getDb } from "@/db";
import { sumLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { getRun } from "@/db/queries/runs";
import { boot } from "@/lib/server/boot";
import { createFixture, runPublished } from "../support/fixtures";

const [mode, orgId, runId] = process.argv.slice(2);
if (mode === "start") {
  const f = await createFixture({ credits: 10_000, model: "openai.chat:hang" });
  const db = await getDb();
  void runPublished(f, { story: "x" });
  // Wait for the run row, then report it; the parent kills us mid-run.
  for (;;) {
    const rows = await db.execute<{ id: string }>(`select id from runs where org_id = '${f.orgId}'` as never);
    const list = Array.isArray(rows) ? rows : (rows as { rows: { id: string }[] }).rows;
    if (list.length) {
      const org = await getOrg(db, f.orgId);
      process.stdout.write(JSON.stringify({ orgId: f.orgId, runId: list[0]!.id, balanceDuringRun: org!.creditBalance }) + "\n");
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise(() => {});
} else if (mode === "stream") {
  const f = await createFixture({ credits: 10_000, model: "openai.chat:slow", template: "{{story}}" });
  const db = await getDb();
  void runPublished(f, { story: "a story about a lighthouse keeper" });
  for (;;) {
    const rows = await db.execute<Record<string, unknown>>(
      `select id, output, output_tokens, input_tokens, prices, sent_at from runs where org_id = '${f.orgId}' and sent_at is not null and output_tokens >= 3` as never,
    );
    const list = Array.isArray(rows) ? rows : (rows as { rows: Record<string, unknown>[] }).rows;
    if (list.length) {
      const r = list[0]!;
      process.stdout.write(
        JSON.stringify({
          orgId: f.orgId,
          runId: r.id,
          output: r.output,
          outputTokens: r.output_tokens,
          inputTokens: r.input_tokens,
          prices: r.prices,
        }) + "\n",
      );
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise(() => {});
} else {
  await boot();
  const db = await getDb();
  const run = await getRun(db, { orgId: orgId!, runId: runId! });
  const org = await getOrg(db, orgId!);
  process.stdout.write(
    JSON.stringify({
      status: run?.status,
      errorCode: run?.errorCode,
      creditsCharged: run?.creditsCharged,
      balance: org?.creditBalance,
      ledger: await sumLedger(db, orgId!),
      ...(mode === "boot-stream" ? { output: run?.output, inputTokens: run?.inputTokens, outputTokens: run?.outputTokens } : {}),
    }) + "\n",
  );
  process.exit(0);
}
