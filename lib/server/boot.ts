import "server-only";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { closeDb, getDb, getDbKind } from "@/db";
import { countOrgs } from "@/db/queries/orgs";
import { deleteExpiredIdempotencyKeys } from "@/db/queries/idempotency-keys";
import { deleteExpiredStreamTokens } from "@/db/queries/stream-tokens";
import { IDEMPOTENCY_KEEP_MS } from "@/lib/idempotency/run-idempotently";
import { createApiKey } from "@/lib/auth/api-keys";
import { getEnv } from "@/lib/env";
import { logger } from "@/lib/logger";
import { OFFLINE_MODEL_ID } from "@/lib/llm/models";
import { defaultModelId } from "@/lib/llm/registry";
import { createOrg } from "@/lib/orgs/create-org";
import { drain } from "./drain";
import { startIdleGc } from "./idle-gc";
import { startQueue } from "./start-queue";
import { startRetentionSweeper } from "./start-retention";
import { flushTracing } from "@/lib/telemetry/trace";
import { SWEEP_EVERY_MS, sweepOrphanedRuns } from "@/lib/runs/sweep-orphans";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { sweepBalanceNotices } from "@/lib/notices/send-notice";
import { sweepBudgetAlerts } from "@/lib/budgets/alerts";
import { sweepStuckTopUps } from "@/lib/billing/stuck-top-ups";
import { processSingleton } from "@/lib/process-singleton";

/** Server start: open the database once (migrating it), seed a first run, start the sweeper. */
export function boot(): Promise<void> {
  return processSingleton("boot", doBoot);
}

async function doBoot() {
  const t0 = performance.now();
  assertValidConfiguration();
  const db = await getDb();
  const kind = await getDbKind();
  // The embedded database belongs to this process alone, so any run still "running" is an orphan
  // of a previous crash. With PostgreSQL other instances may be mid-run: only stale ones go.
  await sweepOrphanedRuns(kind === "pglite" ? { olderThanMs: 0 } : {});
  if (kind === "pglite" && (await countOrgs(db)) === 0) await seedDemo();
  let sweeps = 0;
  const timer = setInterval(() => {
    sweepOrphanedRuns().catch((err) => logger.warn("orphan sweep failed", { err }));
    if (sweeps++ % 6 === 0) {
      sweepBalanceNotices().catch((err) => logger.warn("balance notice sweep failed", { err }));
      sweepBudgetAlerts().catch((err) => logger.warn("budget alert sweep failed", { err }));
      sweepStuckTopUps().catch((err) => logger.warn("stuck auto top-up sweep failed", { err }));
      deleteExpiredStreamTokens(db, new Date(Date.now() - 3600_000)).catch(() => {});
      deleteExpiredIdempotencyKeys(db, new Date(Date.now() - IDEMPOTENCY_KEEP_MS)).catch(() => {});
    }
  }, SWEEP_EVERY_MS);
  timer.unref();
  // Queued async runs (and webhook deliveries) left by a previous process are picked up from here.
  startQueue();
  startIdleGc();
  startRetentionSweeper();
  handleShutdownSignals();
  logger.info("flowgate ready", { database: kind, model: defaultModelId(), bootMs: Math.round(performance.now() - t0) });
}

/**
 * A configuration mistake (bad JSON or an unknown field in FLOWGATE_PROVIDERS, a malformed URL)
 * stops the server here, at start, with the problem named, rather than failing every run later.
 */
function assertValidConfiguration() {
  try {
    getEnv();
  } catch (e) {
    process.stderr.write(`flowgate: ${(e as Error).message}\n`);
    process.exit(1);
  }
}

/**
 * SIGTERM (and SIGINT) drain the instance, then exit — when Next leaves the signals to us
 * (NEXT_MANUAL_SIG_HANDLE, set by `npm start` and the deploy guide's units). Without it Next exits
 * at once and streams in flight are cut: said once at start, in production.
 */
function handleShutdownSignals() {
  const env = getEnv();
  if (!env.NEXT_MANUAL_SIG_HANDLE) {
    if (env.NODE_ENV === "production")
      logger.warn("NEXT_MANUAL_SIG_HANDLE is not set: a SIGTERM cuts streams in flight instead of draining them");
    return;
  }
  let stopping = false;
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      // Exiting as soon as the runs are done would close connections the balancer still sends on
      // until its health checks see the drain: a request sent on one is lost without an answer.
      const delay = new Promise((res) => setTimeout(res, env.SHUTDOWN_DELAY_S * 1000));
      void Promise.all([drain(env.SHUTDOWN_GRACE_S * 1000), delay])
        .then(async ([r]) => {
          logger.info("drained, exiting", { signal: sig, ...r });
          // The last streams' terminal events are written; give the sockets a moment to flush them.
          await new Promise((res) => setTimeout(res, 300));
          await flushTracing().catch(() => {});
          await closeDb().catch(() => {});
        })
        .finally(() => process.exit(0));
    });
  }
}

/** First run on an empty embedded database: a demo org, a published {{story}} workflow and a key, printed once. */
export async function seedDemo() {
  const env = getEnv();
  const { org_id } = await createOrg({ name: "Demo org", credits: env.DEMO_CREDITS });
  const wf = await createWorkflow({
    orgId: org_id,
    name: "Story",
    description: "Writes a short story about the given subject.",
    template: "Write a short story: {{story}}",
    publish: true,
  });
  const { key } = await createApiKey({ orgId: org_id, name: "Demo key" });
  const base = `http://localhost:${env.PORT}`;
  const curl = `curl --request POST --url ${base}/api/v1/run/${wf.workflow_id} \\\n  --header 'Authorization: Bearer ${key}' \\\n  --header 'Content-Type: application/json' \\\n  --data '{"story": "a story about a dog named charlie"}'`;
  const offline = wf.model === OFFLINE_MODEL_ID ? " (offline echo model: set OPENAI_API_KEY or OPENAI_BASE_URL for a real one)" : "";
  const demo = { org_id, workflow_id: wf.workflow_id, model: wf.model, api_key: key, curl };
  // An in-memory database (tests) has no directory: nothing to keep the key in.
  const file = env.FLOWGATE_DATA_DIR.startsWith("memory://") ? null : path.join(env.FLOWGATE_DATA_DIR, "demo.json");
  if (file) {
    mkdirSync(env.FLOWGATE_DATA_DIR, { recursive: true });
    writeFileSync(file, JSON.stringify(demo, null, 2) + "\n", { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  // Printed once, on purpose: this is the only time the demo key is shown (also kept in demo.json).
  process.stdout.write(
    `\nFlowgate first run: created a demo org with ${env.DEMO_CREDITS} credits, workflow ${wf.workflow_id} on ${wf.model}${offline}.\n` +
      `Demo API key (shown once${file ? `, saved in ${file}` : ""}): ${key}\nTry it:\n${curl}\n\n`,
  );
  return demo;
}
