// The processes every bench tool starts: the fake upstream, and `next start` seeded with an org,
// key and workflow (PostgreSQL/Redis from the environment, embedded defaults otherwise).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { nextStartArgs } from "../scripts/next-start";

const exec = promisify(execFile);
export const ROOT = path.resolve(import.meta.dirname, "..");

/** Every child started here is killed when the bench process exits, however it exits. */
const children: ChildProcess[] = [];
process.on("exit", () => children.forEach((c) => c.kill("SIGKILL")));
export function owned(child: ChildProcess) {
  children.push(child);
  return child;
}

export async function startUpstream() {
  // `node --import tsx` rather than the tsx CLI, which forks a grandchild that outlives a kill.
  const child = owned(
    spawn(process.execPath, ["--import", "tsx", "bench/upstream.ts"], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] }),
  );
  const url: string = await new Promise((resolve, reject) => {
    child.stdout!.once("data", (d) => resolve(JSON.parse(String(d)).url));
    child.once("exit", (code) => reject(new Error(`upstream exited ${code}`)));
  });
  return { url, control: (o: object) => fetch(url.replace(/\/v1$/, "/__control"), { method: "POST", body: JSON.stringify(o) }) };
}

/**
 * Seeds a fresh data directory (or the database at DATABASE_URL) and starts `next start` on
 * loopback. `nodeArgs` go to the server's node (--cpu-prof, --expose-gc); `heapMb` caps its V8 heap.
 */
export async function startFlowgate(opts: {
  upstream: string;
  dir?: string;
  databaseUrl?: string;
  nodeArgs?: string[];
  heapMb?: number;
  port: number;
  /** More environment for the server (bench/ab.ts: AB_ENV_A / AB_ENV_B). */
  env?: Record<string, string>;
  /** Started as `npm start` with WEB_CONCURRENCY=workers (scripts/start.ts: Node's cluster) rather than one `next start`. */
  workers?: number;
}) {
  const dir = opts.dir ?? ROOT;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FLOWGATE_DATA_DIR: mkdtempSync(path.join(tmpdir(), "fg-bench-")),
    OPENAI_BASE_URL: opts.upstream,
    OPENAI_API_KEY: "bench",
    LOG_LEVEL: "warn",
    RATE_LIMIT_PER_MINUTE: "1000000000",
    FLOWGATE_BENCH_ROUTES: "1",
    NODE_ENV: "production",
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...opts.env,
  };
  const tsx = path.join(ROOT, "node_modules/tsx/dist/cli.mjs");
  const seed = JSON.parse(
    (await exec(process.execPath, [tsx, "--conditions=react-server", "tests/e2e/seed-e2e.ts"], { cwd: dir, env })).stdout
      .trim()
      .split("\n")
      .at(-1)!,
  );
  // The seed's million credits run out within one bench on a quiet machine (402s at 200 streams/s).
  await exec(
    process.execPath,
    [
      tsx,
      "--conditions=react-server",
      "scripts/admin.ts",
      "credits",
      "grant",
      "--org",
      seed.orgId,
      "--amount",
      "1000000000000",
      "--reason",
      "bench",
    ],
    { cwd: dir, env },
  );
  // Started as `npm start` starts it (scripts/next-start.ts: its preload and V8 flags).
  const heap = opts.heapMb ? [`--max-old-space-size=${opts.heapMb}`] : [];
  const args = nextStartArgs(dir, ["-p", String(opts.port), "-H", "127.0.0.1"], [...heap, ...(opts.nodeArgs ?? [])]);
  const server = owned(
    opts.workers === undefined
      ? spawn(process.execPath, args, { cwd: dir, env, stdio: ["ignore", "ignore", "inherit"] })
      : // The primary and its workers: the heap cap and the loopback preload through NODE_OPTIONS, which both inherit.
        spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
          cwd: dir,
          env: {
            ...env,
            PORT: String(opts.port),
            WEB_CONCURRENCY: String(opts.workers),
            NODE_OPTIONS: [process.env.NODE_OPTIONS, ...heap, ...(opts.nodeArgs ?? []), "--import", path.join(ROOT, "bench/loopback.mjs")]
              .filter(Boolean)
              .join(" "),
          },
          stdio: ["ignore", "ignore", "inherit"],
        }),
  );
  const base = `http://127.0.0.1:${opts.port}`;
  for (let i = 0; ; i++) {
    if (
      await fetch(`${base}/api/health`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (server.exitCode !== null || i > 240) throw new Error("server did not start");
    await new Promise((r) => setTimeout(r, 250));
  }
  const auth = { authorization: `Bearer ${seed.key}` };
  const body = JSON.stringify({ story: "a dog named charlie" });
  const run = `${base}/api/v1/run/${seed.storyId}`;
  return {
    server,
    pid: server.pid!,
    /** Stops the server (all its processes) and waits for it to exit. */
    stop: async () => {
      const pids = treePids(server.pid!);
      const exited = new Promise((r) => server.once("exit", r));
      server.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      for (const p of pids) {
        try {
          process.kill(p, "SIGKILL");
        } catch {}
      }
    },
    base,
    seed,
    /** The server's memory breakdown (/api/bench/memory); `gc` collects first under --expose-gc. */
    memory: (gc = false) => fetch(`${base}/api/bench/memory${gc ? "?gc=1" : ""}`).then((r) => r.json()),
    targets: {
      floor: { name: "Next trivial route (floor)", method: "GET" as const, url: `${base}/api/bench/floor` },
      pipe: {
        name: "Next fetch pipe",
        method: "POST" as const,
        url: `${base}/api/bench/pipe`,
        body: "hi",
        firstTokenMarker: '"content":"tok',
      },
      run: { name: "POST /run", method: "POST" as const, url: run, headers: auth, body },
      text: { name: "/stream text", method: "POST" as const, url: `${run}/stream`, headers: auth, body, firstTokenMarker: "tok" },
      sse: {
        name: "/stream SSE",
        method: "POST" as const,
        url: `${run}/stream?protocol=sse`,
        headers: auth,
        body,
        firstTokenMarker: "event: chunk",
      },
      ui: {
        name: "/stream UI",
        method: "POST" as const,
        url: `${run}/stream?protocol=ui`,
        headers: auth,
        body,
        firstTokenMarker: "text-delta",
      },
      token: { name: "GET /token", method: "GET" as const, url: `${base}/api/v1/token?ttl=60`, headers: auth },
    },
  };
}

/** The upstream itself as a target: the limit every path is measured against. */
/** The realistic pace (issue 26): 200 ms to the first token, then 50 tokens 20 ms apart — what every tool's open loop runs. */
export const REALISTIC_PACE = { tokens: 50, tokenDelayMs: 20, firstTokenDelayMs: 200 } as const;

export const chatBody = JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] });
export const directTarget = (upstream: string, name = "upstream direct") => ({
  name,
  method: "POST" as const,
  url: `${upstream}/chat/completions`,
  body: chatBody,
  firstTokenMarker: '"content":"tok',
});

/** CPU seconds (user + system) and resident memory of a process, from /proc. */
function procStat(pid: number) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const ticks = Number(stat[11]) + Number(stat[12]);
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)![1]) * 1024;
  const preempted = Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)![1]);
  return { cpuS: ticks / 100, rss, preempted };
}

/** Every pid in a server's process tree (next start may fork workers). */
export function treePids(root: number): number[] {
  const out = [root];
  try {
    const kids = readFileSync(`/proc/${root}/task/${root}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    for (const k of kids) out.push(...treePids(k));
  } catch {}
  return out;
}
export const serverCpu = (pid: number) => treePids(pid).reduce((a, p) => a + procStat(p).cpuS, 0);
/**
 * Times the main thread of each process in a server's tree was taken off its core while it still
 * had work (`nonvoluntary_ctxt_switches`): on a shared machine, likely by what its own writes woke,
 * such as a database backend running its statement on the writer's core (bench/README.md, round 16).
 */
export const serverPreemptions = (pid: number) =>
  treePids(pid).reduce((a, p) => {
    try {
      return a + procStat(p).preempted;
    } catch {
      return a;
    }
  }, 0);
/**
 * CPU seconds of the PostgreSQL and Redis processes on this machine (none when they run elsewhere):
 * what the gateway's statements and commands cost beside its own process, which the peer, keeping
 * no state, does not pay.
 */
export function storesCpu() {
  let s = 0;
  for (const p of readdirSync("/proc")) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const comm = readFileSync(`/proc/${p}/comm`, "utf8").trim();
      if (comm === "postgres" || comm.startsWith("redis-server")) s += procStat(Number(p)).cpuS;
    } catch {}
  }
  return s;
}
export const serverRss = (pid: number) => treePids(pid).reduce((a, p) => a + procStat(p).rss, 0);
/** RSS (MB) of each process in a server's tree, the root first (a cluster's primary, then its workers). */
export const serverRssByProcess = (pid: number) => treePids(pid).map((p) => mb(procStat(p).rss));
export const mb = (bytes: number) => Math.round(bytes / 1048576);
