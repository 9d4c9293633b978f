import { availableParallelism } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";

/**
 * The arguments of `node` for `next start` in `root`: with the client-address preload
 * (scripts/trusted-proxy.mjs), so the app only sees X-Forwarded-For from trusted proxies, a
 * young generation kept between 16 and 32 MB, an old generation that may double between full
 * collections (heapFlags below), and `gc` exposed for the collection after a burst
 * (lib/server/idle-gc.ts). `nodeArgs` (profilers, a heap cap) come after ours and win.
 */
export function nextStartArgs(root: string, args: string[], nodeArgs: string[] = []): string[] {
  return [...nextNodeArgs(root, nodeArgs), nextBin(root), "start", ...args];
}

/** The node flags of a server process (see nextStartArgs). */
export function nextNodeArgs(root: string, nodeArgs: string[] = []): string[] {
  return [...heapFlags(), "--expose-gc", ...nodeArgs, "--import", pathToFileURL(path.join(root, "scripts/trusted-proxy.mjs")).href];
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

// The V8 heap of a server process (bench/README.md, rounds 3 and 14). An operator's own
// NODE_OPTIONS choice of the young generation wins.
// - A 32 MB young generation at most: V8 sizes it from the host's memory (2 × 64 MB on a 24 GB
//   host), and under a cap such as --max-old-space-size=192 the old space then never has room for
//   a scavenge's survivors, so every collection becomes a full mark-compact (round 3).
// - 16 MB at least: while a server idles, V8's memory reducer shrinks it to 1 MB, and the next
//   burst's first seconds then scavenge every 10–100 ms, promoting its requests' state to
//   the old space (round 14: 530 scavenges against 234 over six rounds).
// - The old space may grow to twice what the last full collection kept before the next one
//   (V8's own factor here was ~1.45, and after an idle spell ~1.1): about 6 MB of stream state is
//   promoted per second at 100 streams/s, and each full collection took the loop for up to 80 ms
//   (its marking steps, then the pause) while its helper threads take the other core. Half as many
//   of them moved the realistic-pace first-token p99 from +21.5 to +8.4 ms (round 14). The memory
//   comes back when the server idles (lib/server/idle-gc.ts) or reaches a heap cap.
function heapFlags() {
  const young = /--max-semi-space-size/.test(process.env.NODE_OPTIONS ?? "")
    ? []
    : ["--min-semi-space-size=16", "--max-semi-space-size=32"];
  return [...young, "--heap-growing-percent=100"];
}
