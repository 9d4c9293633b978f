// Three production servers (`next start` on the one build) on one fresh PostgreSQL database and
// the one Redis, behind a real HAProxy: round-robin, health checks on /api/health, SSE-safe
// timeouts. Tests talk to the balancer only; each answer names the instance that served it
// (x-backend), so a test can tell "started on one, resumed on another".
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createFreshDatabase } from "../../support/fresh-database";
import { freePort, startNextServer, type NextServer } from "../../support/next-server";
import { startFakeOpenAI, type FakeOpenAI } from "../../support/openai-upstream";

export const HAPROXY = process.env.HAPROXY_PATH ?? "/usr/sbin/haproxy";
export const NAMES = ["a", "b", "c"] as const;
export type InstanceName = (typeof NAMES)[number];

export type Instance = { name: InstanceName; port: number; server: NextServer };
export type Cluster = {
  /** The balancer: the only address the tests send traffic to. */
  url: string;
  databaseUrl: string;
  upstream: FakeOpenAI;
  instances: Record<InstanceName, Instance>;
  /** Starts the instance again on its port (after a kill or a stop) and waits until HAProxy sees it up. */
  restart: (name: InstanceName) => Promise<void>;
  /** HAProxy's view of each server: "UP", "DOWN", … */
  serverStates: () => Promise<Record<string, string>>;
  /**
   * Waits until HAProxy sends to every instance again: a burst of load can fail two health checks
   * in a row (each has `inter`, 500 ms) and take an instance out of the rotation for a second.
   */
  allUp: () => Promise<void>;
  close: () => Promise<void>;
};

function haproxyConfig(o: { port: number; statsPort: number; servers: { name: string; port: number }[] }) {
  return `global
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  # A stream may stay open for the longest run (300 s) with only keep-alive comments on the wire.
  timeout client 300s
  timeout server 300s
  timeout tunnel 300s
  timeout http-request 10s
  timeout queue 10s
  # A request that could not be delivered (the instance is gone) goes to another one; one that
  # was delivered is never sent twice.
  retries 3
  option redispatch
  retry-on conn-failure
frontend fg
  bind 127.0.0.1:${o.port}
  default_backend app
backend app
  balance roundrobin
  option httpchk GET /api/health
  http-check expect status 200
  # A check waits up to 2 s: a burst of runs (the 200-run test) slows /api/health past the 500 ms
  # interval, and an instance marked down and up again is then skipped by round robin for a while.
  timeout check 2s
  default-server inter 500ms fall 2 rise 2
  http-response set-header x-backend %s
${o.servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port} check`).join("\n")}
listen stats
  bind 127.0.0.1:${o.statsPort}
  stats enable
  stats uri /stats
`;
}

export async function startCluster({
  env: extraEnv = {},
  upstream: upstreamOpts = {},
}: { env?: Record<string, string>; upstream?: Parameters<typeof startFakeOpenAI>[0] } = {}): Promise<Cluster> {
  const base = process.env.DATABASE_URL;
  const redisUrl = process.env.REDIS_URL;
  if (!base || !redisUrl) throw new Error("the multi-instance suite needs DATABASE_URL and REDIS_URL");
  const db = await createFreshDatabase(base, "fg_multi");
  // This process migrates the new database first (and later reads it for the ledger checks).
  process.env.DATABASE_URL = db.url;
  const { resetEnvForTests } = await import("@/lib/env");
  resetEnvForTests();
  const { closeDb, getDb } = await import("@/db");
  await closeDb();
  await getDb();

  const upstream = await startFakeOpenAI({ port: 0, ...upstreamOpts });
  const dataDir = mkdtempSync(path.join(tmpdir(), "fg-multi-"));
  const ports = await Promise.all(NAMES.map(() => freePort()));
  const [port, statsPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: db.url,
    REDIS_URL: redisUrl,
    FLOWGATE_DATA_DIR: dataDir,
    OPENAI_BASE_URL: upstream.url,
    OPENAI_API_KEY: "multi-provider-key",
    LOG_LEVEL: "warn",
    NODE_ENV: "production",
    RATE_LIMIT_PER_MINUTE: "100000",
    BETTER_AUTH_SECRET: "multi-instance-suite-secret-0123456789abcdef",
    BETTER_AUTH_URL: url,
    ...extraEnv,
  };
  // Booting three servers at once on two cores: one after another is not slower and logs cleanly.
  const instances = {} as Record<InstanceName, Instance>;
  for (const [i, name] of NAMES.entries())
    instances[name] = { name, port: ports[i]!, server: await startNextServer({ env, port: ports[i]! }) };

  const cfg = path.join(dataDir, "haproxy.cfg");
  writeFileSync(cfg, haproxyConfig({ port, statsPort, servers: NAMES.map((n) => ({ name: n, port: instances[n].port })) }));
  let haproxyLog = "";
  const haproxy: ChildProcess = spawn(HAPROXY, ["-f", cfg, "-db"], { stdio: ["ignore", "pipe", "pipe"] });
  haproxy.stdout!.on("data", (d) => (haproxyLog += d));
  haproxy.stderr!.on("data", (d) => (haproxyLog += d));

  const serverStates = async () => {
    const csv = await (await fetch(`http://127.0.0.1:${statsPort}/stats;csv`)).text();
    const states: Record<string, string> = {};
    for (const line of csv.split("\n")) {
      const f = line.split(",");
      if (f[0] === "app" && NAMES.includes(f[1] as InstanceName)) states[f[1]!] = f[17]!;
    }
    return states;
  };
  const waitFor = async (pred: (s: Record<string, string>) => boolean, what: string, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await serverStates().catch(() => ({}) as Record<string, string>);
      if (pred(s)) return;
      if (Date.now() > deadline) throw new Error(`HAProxy: ${what} not reached: ${JSON.stringify(s)}\n${haproxyLog.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  await waitFor((s) => NAMES.every((n) => s[n] === "UP"), "all servers UP");

  return {
    url,
    databaseUrl: db.url,
    upstream,
    instances,
    serverStates,
    allUp: () => waitFor((s) => NAMES.every((n) => s[n] === "UP"), "all servers UP"),
    restart: async (name) => {
      const inst = instances[name];
      await inst.server.stop("SIGKILL");
      inst.server = await startNextServer({ env, port: inst.port });
      await waitFor((s) => s[name] === "UP", `${name} UP`);
    },
    close: async () => {
      haproxy.kill("SIGTERM");
      await Promise.all(NAMES.map((n) => instances[n].server.stop("SIGTERM", 10_000)));
      await upstream.close();
      await closeDb();
      await db.drop();
      process.env.DATABASE_URL = base;
      resetEnvForTests();
    },
  };
}
