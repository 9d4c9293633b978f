import { availableParallelism } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

/**
 * The arguments of `node` for `next start` in `root`: with the client-address preload
 * (scripts/trusted-proxy.mjs), so the app only sees X-Forwarded-For from trusted proxies, a
 * bounded young generation, and `gc` exposed for the collection after a burst (lib/server/idle-gc.ts). `nodeArgs` (profilers, a heap cap) come after ours and win.
 */
export function nextStartArgs(root: string, args: string[], nodeArgs: string[] = []): string[] {
  return [...nextNodeArgs(root, nodeArgs), nextBin(root), "start", ...args];
}

/** The node flags of a server process (see nextStartArgs). */
export function nextNodeArgs(root: string, nodeArgs: string[] = []): string[] {
  return [...youngGeneration(), "--expose-gc", ...nodeArgs, "--import", pathToFileURL(path.join(root, "scripts/trusted-proxy.mjs")).href];
}

export const nextBin = (root: string) => path.join(root, "node_modules/next/dist/bin/next");

/**
 * How many server processes `npm start` runs (README, Configuration: WEB_CONCURRENCY). One event
 * loop is what one instance can use, so on a shared PostgreSQL and a shared Redis it runs one per
 * core. Each process is a full instance (its own pools, heartbeats, sweeper, queue workers), as
 * instances behind a load balancer are. The embedded database belongs to one process, and the
 * in-process rate limiter and run bus would count and follow per process: without a shared
 * database and Redis it is one process, and asking for more is a configuration error.
 */
export function workerCount(env: Record<string, string | undefined> = process.env): number {
  const shared = Boolean(env.DATABASE_URL) && Boolean(env.REDIS_URL || (env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN));
  const raw = env.WEB_CONCURRENCY;
  if (raw === undefined || raw === "") return shared ? availableParallelism() : 1;
  if (!/^[1-9]\d{0,2}$/.test(raw))
    throw new Error(`WEB_CONCURRENCY must be a whole number of processes (1-999), got ${JSON.stringify(raw)}`);
  const n = Number(raw);
  if (n > 1 && !shared)
    throw new Error(
      "WEB_CONCURRENCY above 1 needs DATABASE_URL (PostgreSQL) and REDIS_URL (or Upstash): the embedded database, rate limiter and run bus belong to one process",
    );
  return n;
}

// V8 sizes the young generation from the host's memory, not from the heap cap: 2 × 64 MB on a
// 24 GB host. Under a cap such as --max-old-space-size=192 the old space then never has room to
// take a scavenge's survivors, so every collection becomes a full mark-compact (454 of them in a
// minute of bench load, realistic-pace p99 20–35 s). 32 MB keeps that cap workable
// at no measurable server CPU per request in bench/ab.ts (bench/README.md, round 3). An operator's
// own NODE_OPTIONS choice wins.
function youngGeneration() {
  return /--max-semi-space-size/.test(process.env.NODE_OPTIONS ?? "") ? [] : ["--max-semi-space-size=32"];
}
