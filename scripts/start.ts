// `npm start`: build when there is no production build or the sources are newer than it, then
// serve on PORT (default 3000) — with WEB_CONCURRENCY server processes sharing the port through
// Node's cluster module (scripts/next-start.ts, workerCount).
import { spawn } from "node:child_process";
import cluster, { type Worker } from "node:cluster";
import path from "node:path";
import { buildIfStale } from "./build-if-stale";
import { nextBin, nextNodeArgs, nextStartArgs, workerCount } from "./next-start";

const root = path.resolve(import.meta.dirname, "..");
let workers: number;
try {
  workers = workerCount();
} catch (e) {
  console.error(`flowgate: ${(e as Error).message}`);
  process.exit(1);
}
const ms = await buildIfStale(root, { show: true });
if (ms !== null) console.log(`Built in ${Math.round(ms / 1000)} s.`);
const port = process.env.PORT ?? "3000";
// NEXT_MANUAL_SIG_HANDLE: Next leaves SIGTERM to the app, which drains its runs before exiting (lib/server/boot.ts).
const env = { ...process.env, NEXT_MANUAL_SIG_HANDLE: process.env.NEXT_MANUAL_SIG_HANDLE ?? "true" };

if (workers === 1) {
  const child = spawn(process.execPath, nextStartArgs(root, ["-p", port]), { stdio: "inherit", cwd: root, env });
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  // Each worker runs `next start` as its main module; its listen() on PORT is shared through this
  // process, which hands connections out round-robin. Workers are instances like any other
  // (docs/deploy.md): a signal here is passed on, each drains its own runs, and this process exits
  // when the last one has.
  cluster.setupPrimary({ exec: nextBin(root), args: ["start", "-p", port], execArgv: nextNodeArgs(root), silent: false });
  let stopping = false;
  // A worker that dies on its own (an OOM kill, a crash) is replaced; its runs are closed by the
  // sweeper like any dead instance's. Three in a row that die within 10 s of starting are a
  // broken start (a bad setting, a port taken): stop rather than loop.
  const forkedAt = new WeakMap<Worker, number>();
  let quickDeaths = 0;
  const fork = () => forkedAt.set(cluster.fork(env), Date.now());
  for (let i = 0; i < workers; i++) fork();
  console.log(`Starting ${workers} server processes on port ${port} (WEB_CONCURRENCY).`);
  const gone = new WeakSet<Worker>();
  cluster.on("exit", (w: Worker, code, signal) => {
    if (gone.has(w)) return;
    gone.add(w);
    const remaining = Object.keys(cluster.workers ?? {}).length;
    if (stopping) {
      if (!remaining) process.exit(process.exitCode ?? 0);
      return;
    }
    quickDeaths = Date.now() - (forkedAt.get(w) ?? 0) < 10_000 ? quickDeaths + 1 : 0;
    const giveUp = quickDeaths >= 3;
    console.error(
      `flowgate: server process ${w.process.pid} exited (${signal ?? code}); ${giveUp ? "three quick exits in a row, stopping" : "starting another"}`,
    );
    if (!giveUp) return fork();
    stopping = true;
    process.exitCode = 1;
    for (const other of Object.values(cluster.workers ?? {})) other?.process.kill("SIGTERM");
    if (!remaining) process.exit(1);
  });
  for (const sig of ["SIGINT", "SIGTERM"] as const) {
    process.on(sig, () => {
      stopping = true;
      for (const w of Object.values(cluster.workers ?? {})) w?.process.kill(sig);
    });
  }
}
