import { execFile, spawn } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFreshDatabase } from "../support/fresh-database";
import { freePort } from "../support/next-server";

// `npm start` with WEB_CONCURRENCY=2 (scripts/start.ts): two server processes behind one port
// through Node's cluster module, each a full instance on the shared PostgreSQL and Redis. Both
// serve; a worker that dies is replaced; SIGTERM drains both and the launcher exits 0.

const ROOT = path.resolve(import.meta.dirname, "../..");
const TSX = path.join(ROOT, "node_modules/tsx/dist/cli.mjs");
let db: Awaited<ReturnType<typeof createFreshDatabase>>;
let launcher: ReturnType<typeof spawn>;
let base = "";
let log = "";
let seed: { key: string; offlineId: string; orgId: string };

const health = () =>
  fetch(`${base}/api/health`, { headers: { connection: "close" }, signal: AbortSignal.timeout(5000) }).then(
    async (r) => ({ status: r.status, body: (await r.json()) as { pid: number } }),
    () => ({ status: 0, body: { pid: 0 } }),
  );
async function pidsServing(n: number) {
  const pids = new Set<number>();
  for (let i = 0; i < n; i++) {
    const h = await health();
    if (h.status === 200) pids.add(h.body.pid);
  }
  return pids;
}

beforeAll(async () => {
  db = await createFreshDatabase(process.env.DATABASE_URL!, "fg_webconc");
  const env = { ...process.env, DATABASE_URL: db.url, LOG_LEVEL: "info", NODE_ENV: "production" as const };
  const out = await promisify(execFile)(process.execPath, [TSX, "--conditions=react-server", "tests/e2e/seed-e2e.ts"], { cwd: ROOT, env });
  seed = JSON.parse(out.stdout.trim().split("\n").at(-1)!);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  launcher = spawn(process.execPath, [TSX, "scripts/start.ts"], {
    cwd: ROOT,
    env: { ...env, PORT: String(port), WEB_CONCURRENCY: "2" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  launcher.stdout!.on("data", (d) => (log += d));
  launcher.stderr!.on("data", (d) => (log += d));
  const deadline = Date.now() + 120_000;
  while ((await pidsServing(1)).size === 0) {
    if (Date.now() > deadline || launcher.exitCode !== null) throw new Error(`did not start:\n${log.slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}, 180_000);

afterAll(async () => {
  if (launcher?.exitCode === null) launcher.kill("SIGKILL");
  await db?.drop();
});

describe("npm start with WEB_CONCURRENCY=2", () => {
  it("serves from two processes, runs on both, and replaces a worker that dies", { timeout: 150_000 }, async () => {
    const deadline = Date.now() + 30_000;
    let pids = new Set<number>();
    while (pids.size < 2 && Date.now() < deadline) pids = new Set([...pids, ...(await pidsServing(10))]);
    expect(pids.size, log.slice(-2000)).toBe(2);

    const runs = await Promise.all(
      Array.from({ length: 12 }, () =>
        fetch(`${base}/api/v1/run/${seed.offlineId}`, {
          method: "POST",
          headers: { authorization: `Bearer ${seed.key}`, "content-type": "application/json", connection: "close" },
          body: JSON.stringify({ story: "two processes" }),
          signal: AbortSignal.timeout(20_000),
        }).catch((e) => ({ status: String(e) })),
      ),
    );
    expect(runs.map((r) => r.status)).toEqual(Array(12).fill(200));

    const [victim] = [...pids];
    process.kill(victim!, "SIGKILL");
    const replaced = Date.now() + 60_000;
    let now = new Set<number>();
    while (Date.now() < replaced) {
      now = await pidsServing(10);
      if (now.size === 2 && !now.has(victim!)) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect([...now], log.slice(-2000)).toHaveLength(2);
    expect(now.has(victim!)).toBe(false);
  });

  it("SIGTERM drains every process and the launcher exits 0", async () => {
    const exited = new Promise<number | string | null>((r) => launcher.once("exit", (code, sig) => r(code ?? sig)));
    launcher.kill("SIGTERM");
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r("timeout"), 45_000))]);
    expect(code, log.slice(-2000)).toBe(0);
    expect((log.match(/drained, exiting/g) ?? []).length).toBe(2);
    await expect(fetch(`${base}/api/health`)).rejects.toThrow();
  });
});
