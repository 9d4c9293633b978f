// Builds the app when the build is missing or older than the sources, seeds a fresh database,
// starts the fake model upstream and `next start` on a random port, and hands their URLs to the
// tests (inject("e2e")). Tears everything down afterwards.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { TestProject } from "vitest/node";
import { buildIfStale } from "../../scripts/build-if-stale";
import { startFakeOpenAI } from "../support/openai-upstream";

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
export type E2EContext = {
  baseUrl: string; upstreamUrl: string; dataDir: string; orgId: string; key: string;
  storyId: string; chatId: string; offlineId: string; noVarsId: string; serverPid: number;
  openai: { versionsId: string; poorId: string; poorKey: string; limitedKey: string };
};
declare module "vitest" {
  export interface ProvidedContext {
    e2e: E2EContext;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export default async function setup(project: TestProject) {
  const buildMs = await buildIfStale(ROOT);
  if (buildMs !== null) console.log(`[e2e] next build took ${Math.round(buildMs / 1000)} s`);
  const upstream = await startFakeOpenAI({ port: 0 });
  const dataDir = mkdtempSync(path.join(tmpdir(), "fg-e2e-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env, FLOWGATE_DATA_DIR: dataDir, OPENAI_BASE_URL: upstream.url, OPENAI_API_KEY: "e2e-provider-key",
    LOG_LEVEL: "warn", RATE_LIMIT_PER_MINUTE: "100000", NODE_ENV: "production",
  };
  const seeded = await exec(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "tests/e2e/seed-e2e.ts"], { cwd: ROOT, env });
  const seed = JSON.parse(seeded.stdout.trim().split("\n").at(-1)!);
  const port = await freePort();
  const logFile = path.join(dataDir, "server.log");
  const server: ChildProcess = spawn(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: ROOT, env: { ...env, PORT: String(port), BETTER_AUTH_URL: `http://127.0.0.1:${port}` }, stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  server.stdout!.on("data", (d) => (log += d));
  server.stderr!.on("data", (d) => (log += d));
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${baseUrl}/api/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline || server.exitCode !== null) throw new Error(`next start did not become healthy:\n${log.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  project.provide("e2e", { baseUrl, upstreamUrl: upstream.url, dataDir, serverPid: server.pid!, ...seed });
  return async () => {
    server.kill("SIGTERM");
    await new Promise((r) => (server.exitCode !== null ? r(null) : server.once("exit", r)));
    writeFileSync(logFile, log);
    await upstream.close();
  };
}
