// Builds the app when the build is missing or older than the sources, seeds a fresh database,
// starts the fake model upstream and `next start` on a random port, and hands their URLs to the
// tests (inject("e2e")). Tears everything down afterwards.
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { buildIfStale } from "../../scripts/build-if-stale";
import { createFreshDatabase } from "../support/fresh-database";
import { startNextServer } from "../support/next-server";
import { startFakeOpenAI } from "../support/openai-upstream";
import { startStripeStandIn } from "../support/stripe-standin";

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
export type E2EContext = {
  baseUrl: string;
  upstreamUrl: string;
  dataDir: string;
  orgId: string;
  key: string;
  storyId: string;
  chatId: string;
  offlineId: string;
  noVarsId: string;
  reviewId: string;
  /** "{{question}}" with the client tool get_weather (tests/e2e/tools.test.ts). */
  toolsId: string;
  serverPid: number;
  /** The Stripe stand-in the server buys through (tests/support/stripe-standin.ts), and a pack on sale. */
  stripeUrl: string;
  packId: string;
  openai: { versionsId: string; poorId: string; poorKey: string; limitedKey: string };
  /** The server's own PostgreSQL database (when DATABASE_URL is set): tests that read it directly use this. */
  databaseUrl?: string;
};
declare module "vitest" {
  export interface ProvidedContext {
    e2e: E2EContext;
  }
}

export default async function setup(project: TestProject) {
  const buildMs = await buildIfStale(ROOT);
  if (buildMs !== null) console.log(`[e2e] next build took ${Math.round(buildMs / 1000)} s`);
  const upstream = await startFakeOpenAI({ port: 0 });
  const stripe = await startStripeStandIn();
  const dataDir = mkdtempSync(path.join(tmpdir(), "fg-e2e-"));
  // On PostgreSQL the server gets a database of its own: vitest starts this before the unit
  // project runs, and the server's job queue must not work the unit tests' jobs.
  const db = process.env.DATABASE_URL ? await createFreshDatabase(process.env.DATABASE_URL, "fg_e2e") : null;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...(db ? { DATABASE_URL: db.url } : {}),
    FLOWGATE_DATA_DIR: dataDir,
    OPENAI_BASE_URL: upstream.url,
    OPENAI_API_KEY: "e2e-provider-key",
    LOG_LEVEL: "warn",
    RATE_LIMIT_PER_MINUTE: "100000",
    NODE_ENV: "production",
    STRIPE_API_BASE: stripe.url,
    STRIPE_SECRET_KEY: stripe.secretKey,
    STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
  };
  const seeded = await exec(
    process.execPath,
    [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "--conditions=react-server", "tests/e2e/seed-e2e.ts"],
    { cwd: ROOT, env },
  );
  const seed = JSON.parse(seeded.stdout.trim().split("\n").at(-1)!);
  const server = await startNextServer({ env });
  stripe.webhookUrl = `${server.url}/api/webhooks/stripe`;
  project.provide("e2e", {
    baseUrl: server.url,
    upstreamUrl: upstream.url,
    stripeUrl: stripe.url,
    dataDir,
    serverPid: server.process.pid!,
    ...(db ? { databaseUrl: db.url } : {}),
    ...seed,
  });
  return async () => {
    await server.stop("SIGTERM");
    writeFileSync(path.join(dataDir, "server.log"), server.log());
    await upstream.close();
    await stripe.close();
    await db?.drop();
  };
}
