// Load generator, run as its own process so its CPU is not the server's or the upstream's.
// Input: one JSON spec (argv[2]); output: one JSON result on stdout.
// closed loop: N connections, each sends its next request when the last one ends (throughput);
// open loop: requests start on a fixed schedule, latency counted from the *scheduled* start, so
// queueing inside the server is not hidden (coordinated omission).
import http from "node:http";

export type Target = {
  name: string;
  method: "GET" | "POST";
  url: string;
  headers?: Record<string, string>;
  body?: string;
  firstTokenMarker?: string;
};
export type Spec =
  | { mode: "closed"; target: Target; connections: number; durationMs: number; warmupMs?: number }
  | { mode: "open"; target: Target; rate: number; count: number; samples?: boolean };
export type Stats = { p50: number; p90: number; p99: number; mean: number; max: number };
export type LoadResult = {
  target: string;
  mode: string;
  connections?: number;
  rate?: number;
  requests: number;
  errors: number;
  statuses: Record<string, number>;
  rps: number;
  latencyMs: Stats;
  ttfbMs: Stats;
  firstTokenMs: Stats;
  durationMs: number;
  /** Each `Server-Timing` entry's duration across the answers that carried one (ms). */
  serverTiming?: Record<string, Stats>;
  /** Open loop: first-token p50 and max of the requests scheduled in each second, in order (where in the run the tail was). */
  firstTokenBySecond?: { p50: number; max: number }[];
  /** Set by the caller that knows the serving process (bench/run.ts): its CPU over the phase, per stream (ms). */
  serverCpuMsPerStream?: number;
  /** The same phase's CPU of the PostgreSQL and Redis processes on this machine, per stream (ms). */
  storesCpuMsPerStream?: number;
  /** Times per stream the serving process's main thread (each process's, for several) was taken off its core while runnable. */
  preemptionsPerStream?: number;
  /** Requests that got no answer, by error code (and whether they went on a reused keep-alive socket). */
  failures?: Record<string, number>;
  /** Open loop with `samples`: every answered request's figures (ms), so that several rounds can be pooled (`pool`). */
  samples?: { firstToken: number[]; latency: number[]; ttfb: number[] };
  /** A pooled result (`pool`): each round's first-token p50 and p99, in the order they ran. */
  rounds?: { p50: number; p99: number }[];
};

export function stats(xs: number[]): Stats {
  if (!xs.length) return { p50: NaN, p90: NaN, p99: NaN, mean: NaN, max: NaN };
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
  const r = (x: number) => Math.round(x * 100) / 100;
  return { p50: r(q(0.5)), p90: r(q(0.9)), p99: r(q(0.99)), mean: r(s.reduce((a, b) => a + b, 0) / s.length), max: r(s.at(-1)!) };
}

type One = {
  ok: boolean;
  status: number;
  latency: number;
  ttfb: number;
  firstToken: number;
  timing?: Record<string, number>;
  second?: number;
  failure?: string;
};

function parseServerTiming(h: string | string[] | undefined) {
  if (typeof h !== "string") return undefined;
  const out: Record<string, number> = {};
  for (const m of h.matchAll(/(?:^|,)\s*([\w-]+);dur=([\d.]+)/g)) out[m[1]!] = Number(m[2]);
  return out;
}

function once(agent: http.Agent, t: Target, startedAt: number): Promise<One> {
  return new Promise((resolve) => {
    const u = new URL(t.url);
    const req = http.request(
      {
        agent,
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: t.method,
        headers: { ...(t.body ? { "content-type": "application/json", "content-length": Buffer.byteLength(t.body) } : {}), ...t.headers },
      },
      (res) => {
        const ttfb = performance.now() - startedAt;
        const timing = parseServerTiming(res.headers["server-timing"]);
        let firstToken = NaN;
        let seen = "";
        res.on("data", (chunk: Buffer) => {
          if (!Number.isNaN(firstToken)) return;
          if (!t.firstTokenMarker) firstToken = performance.now() - startedAt;
          else {
            seen += chunk.toString("utf8");
            if (seen.includes(t.firstTokenMarker)) firstToken = performance.now() - startedAt;
            else if (seen.length > 65536) seen = seen.slice(-1024);
          }
        });
        res.on("end", () => {
          const latency = performance.now() - startedAt;
          const ok = (res.statusCode ?? 0) < 400;
          resolve({ ok, status: res.statusCode ?? 0, latency, ttfb, firstToken: Number.isNaN(firstToken) ? latency : firstToken, timing });
        });
        // -2: the response was cut after its head; -1 (below): no response at all (the connection failed or was reset).
        res.on("error", () => resolve({ ok: false, status: -2, latency: performance.now() - startedAt, ttfb, firstToken: NaN }));
      },
    );
    req.on("error", (e: NodeJS.ErrnoException) =>
      resolve({
        ok: false,
        status: -1,
        latency: performance.now() - startedAt,
        ttfb: NaN,
        firstToken: NaN,
        // Node's docs name one race of keep-alive clients: a reused socket the server closed as the request went out.
        failure: `${e.code ?? e.message}${req.reusedSocket ? " (reused socket)" : ""}`,
      }),
    );
    req.setTimeout(60_000, () => req.destroy(new Error("timeout")));
    if (t.body) req.write(t.body);
    req.end();
  });
}

function summarize(spec: Spec, results: One[], durationMs: number): LoadResult {
  const statuses: Record<string, number> = {};
  const failures: Record<string, number> = {};
  for (const r of results) {
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    if (r.failure) failures[r.failure] = (failures[r.failure] ?? 0) + 1;
  }
  const ok = results.filter((r) => r.ok);
  const firstTokens = ok.map((r) => r.firstToken).filter((x) => !Number.isNaN(x));
  const timings: Record<string, number[]> = {};
  for (const r of ok) for (const [k, v] of Object.entries(r.timing ?? {})) (timings[k] ??= []).push(v);
  return {
    target: spec.target.name,
    mode: spec.mode,
    ...(spec.mode === "closed" ? { connections: spec.connections } : { rate: spec.rate }),
    requests: results.length,
    errors: results.length - ok.length,
    statuses,
    rps: Math.round((ok.length / durationMs) * 1000 * 10) / 10,
    latencyMs: stats(ok.map((r) => r.latency)),
    ttfbMs: stats(ok.map((r) => r.ttfb)),
    firstTokenMs: stats(firstTokens),
    durationMs: Math.round(durationMs),
    ...(Object.keys(failures).length ? { failures } : {}),
    ...(spec.mode === "open" && spec.samples
      ? { samples: { firstToken: firstTokens, latency: ok.map((r) => r.latency), ttfb: ok.map((r) => r.ttfb) } }
      : {}),
    ...(Object.keys(timings).length ? { serverTiming: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, stats(v)])) } : {}),
    ...(spec.mode === "open" ? { firstTokenBySecond: bySecond(ok) } : {}),
  };
}

function bySecond(results: One[]) {
  const seconds: number[][] = [];
  for (const r of results) if (r.second !== undefined && !Number.isNaN(r.firstToken)) (seconds[r.second] ??= []).push(r.firstToken);
  return Array.from(seconds, (xs) => {
    const s = stats(xs ?? []);
    return { p50: s.p50, max: s.max };
  });
}

/**
 * Several open-loop rounds of one target as one result: percentiles over every request of every
 * round (each round run with `samples`), counts summed, per-stream figures weighted by requests,
 * the per-second p50s in the order they ran, and each round's own p50 and p99 beside them.
 */
export function pool(rounds: LoadResult[]): LoadResult {
  if (rounds.length === 1) return rounds[0]!;
  const all = (k: keyof NonNullable<LoadResult["samples"]>) => rounds.flatMap((r) => r.samples![k]);
  const sum = (f: (r: LoadResult) => number) => rounds.reduce((a, r) => a + f(r), 0);
  const requests = sum((r) => r.requests);
  const weighted = (f: (r: LoadResult) => number | undefined) =>
    rounds.every((r) => f(r) !== undefined) ? Math.round((sum((r) => f(r)! * r.requests) / requests) * 100) / 100 : undefined;
  const count = (f: (r: LoadResult) => Record<string, number> | undefined) => {
    const out: Record<string, number> = {};
    for (const r of rounds) for (const [k, v] of Object.entries(f(r) ?? {})) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const failures = count((r) => r.failures);
  return {
    target: rounds[0]!.target,
    mode: rounds[0]!.mode,
    rate: rounds[0]!.rate,
    requests,
    errors: sum((r) => r.errors),
    statuses: count((r) => r.statuses),
    rps: Math.round((sum((r) => r.rps) / rounds.length) * 10) / 10,
    latencyMs: stats(all("latency")),
    ttfbMs: stats(all("ttfb")),
    firstTokenMs: stats(all("firstToken")),
    durationMs: sum((r) => r.durationMs),
    firstTokenBySecond: rounds.flatMap((r) => r.firstTokenBySecond ?? []),
    serverCpuMsPerStream: weighted((r) => r.serverCpuMsPerStream),
    storesCpuMsPerStream: weighted((r) => r.storesCpuMsPerStream),
    preemptionsPerStream: weighted((r) => r.preemptionsPerStream),
    ...(Object.keys(failures).length ? { failures } : {}),
    rounds: rounds.map((r) => ({ p50: r.firstTokenMs.p50, p99: r.firstTokenMs.p99 })),
  };
}

export async function runLoad(spec: Spec): Promise<LoadResult> {
  if (spec.mode === "closed") {
    const agent = new http.Agent({ keepAlive: true, maxSockets: spec.connections });
    const warmupEnd = performance.now() + (spec.warmupMs ?? 500);
    const end = warmupEnd + spec.durationMs;
    const results: One[] = [];
    await Promise.all(
      Array.from({ length: spec.connections }, async () => {
        while (performance.now() < end) {
          const t0 = performance.now();
          const r = await once(agent, spec.target, t0);
          if (t0 >= warmupEnd) results.push(r);
        }
      }),
    );
    agent.destroy();
    return summarize(spec, results, spec.durationMs);
  }
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const start = performance.now() + 50;
  const results = await Promise.all(
    Array.from({ length: spec.count }, async (_, i) => {
      const scheduled = start + (i * 1000) / spec.rate;
      const wait = scheduled - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      return { ...(await once(agent, spec.target, scheduled)), second: Math.floor(i / spec.rate) };
    }),
  );
  agent.destroy();
  return summarize(spec, results, (spec.count * 1000) / spec.rate);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const spec = JSON.parse(process.argv[2]!) as Spec;
  runLoad(spec).then((r) => process.stdout.write(JSON.stringify(r) + "\n"));
}
