// `npm run bench`: the gateway measured against the upstream (the limit) and a trivial Next route
// (the framework floor), as ratios in one run — this machine is shared and noisy, so absolute
// numbers alone prove nothing. Writes bench/results/<timestamp>.json and prints a markdown table.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { buildIfStale } from "../scripts/build-if-stale";
import { pool, type LoadResult, type Spec, type Stats, type Target } from "./load";
import { startPeer } from "./peer";
import {
  REALISTIC_PACE,
  ROOT,
  chatBody,
  directTarget,
  mb,
  serverCpu,
  serverPreemptions,
  serverRss,
  serverRssByProcess,
  startFlowgate,
  startUpstream,
  storesCpu,
} from "./servers";

const exec = promisify(execFile);
const DURATION = Number(process.env.BENCH_DURATION_MS ?? 4000);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "1,10,50").split(",").map(Number);
const OPEN_RATES = (process.env.BENCH_OPEN_RATES ?? "100,200").split(",").map(Number);
const OPEN_ROUNDS = Number(process.env.BENCH_OPEN_ROUNDS ?? 3);
const PHASE_GAP_MS = 4000;
/** The paced phases' gateways, in round 1's order (each later round rotates it by one). */
const GATEWAYS = ["peer", "text", "sse"];
const HEAP_MB = process.env.BENCH_HEAP_MB ? Number(process.env.BENCH_HEAP_MB) : undefined;
const IDLE_S = Number(process.env.BENCH_IDLE_S ?? 30);
// The whole machine: `npm start` with one server process per core (WEB_CONCURRENCY), measured after the one-process run.
const MACHINE = Number(process.env.BENCH_WORKERS ?? availableParallelism());
const PEER = "Portkey gateway (peer)";
const tsx = path.join(ROOT, "node_modules/tsx/dist/cli.mjs");

// Load runs in its own process, so its CPU is neither the server's nor the upstream's.
async function load(spec: Spec): Promise<LoadResult> {
  const { stdout } = await exec(process.execPath, [tsx, path.join(ROOT, "bench/load.ts"), JSON.stringify(spec)], {
    cwd: ROOT,
    maxBuffer: 16 << 20,
  });
  return JSON.parse(stdout);
}

async function main() {
  const buildMs = await buildIfStale(ROOT);
  if (buildMs !== null) console.error(`built in ${Math.round(buildMs / 1000)} s`);
  const { url: upstream, control } = await startUpstream();
  // BENCH_HEAP_MB caps the V8 heap of both servers, ours and the peer (containers are sized by memory).
  const peer = await startPeer(ROOT, HEAP_MB ? [`--max-old-space-size=${HEAP_MB}`] : []);
  const fg = await startFlowgate({ upstream, heapMb: HEAP_MB, port: 3900 + Math.floor(Math.random() * 90) });
  const pid = fg.pid;
  const rssStart = { ours: mb(serverRss(pid)), peer: mb(serverRss(peer.pid)), oursDetail: await fg.memory() };
  const targets: Record<string, Target> = {
    upstream: directTarget(upstream),
    peer: peer.target(PEER, upstream, chatBody),
    ...fg.targets,
  };

  // Streaming is real on both sides: 5 tokens 200 ms apart must show their first one ≥ 600 ms before the end.
  await control({ tokens: 5, tokenDelayMs: 200, firstTokenDelayMs: 0 });
  const streams: Record<string, { firstTokenMs: number; latencyMs: number }> = {};
  for (const key of ["peer", "text", "sse"] as const) {
    const r = await load({ mode: "open", target: targets[key]!, rate: 1, count: 1 });
    streams[key] = { firstTokenMs: r.firstTokenMs.p50, latencyMs: r.latencyMs.p50 };
    if (r.errors || !(r.latencyMs.p50 - r.firstTokenMs.p50 >= 600))
      throw new Error(`${key} does not stream: ${JSON.stringify(streams[key])} ${JSON.stringify(r.statuses)}`);
  }

  // Warm every path once (JIT, connection pools).
  await control({ tokens: 20, tokenDelayMs: 0, firstTokenDelayMs: 0 });
  for (const t of Object.values(targets)) await load({ mode: "closed", target: t, connections: 4, durationMs: 500, warmupMs: 0 });

  const closed: LoadResult[] = [];
  for (const key of Object.keys(targets)) {
    for (const c of CONNECTIONS) {
      const r = await load({ mode: "closed", target: targets[key]!, connections: c, durationMs: DURATION, warmupMs: 300 });
      closed.push(r);
      console.error(
        `${r.target.padEnd(28)} c${String(c).padEnd(3)} ${String(r.rps).padStart(8)} req/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  errors ${r.errors}`,
      );
    }
  }

  // Per-token CPU: a 1,000-token stream at 0 ms/token, through the gateway vs through the bare pipe (and the peer).
  await control({ tokens: 1000, tokenDelayMs: 0 });
  const perToken: Record<string, number> = {};
  for (const key of ["pipe", "text", "sse", "peer"] as const) {
    const p = key === "peer" ? peer.pid : pid;
    const before = serverCpu(p);
    const r = await load({ mode: "closed", target: targets[key]!, connections: 1, durationMs: 3000, warmupMs: 0 });
    perToken[key] = (((serverCpu(p) - before) / r.requests) * 1e6) / 1000; // µs of server CPU per token
  }

  // Memory: one 10,000-token stream, then 200 concurrent streams.
  const sampleRss = async (fn: () => Promise<unknown>) => {
    const base0 = serverRss(pid);
    let peak = base0;
    const t = setInterval(() => (peak = Math.max(peak, serverRss(pid))), 25);
    await fn();
    clearInterval(t);
    return { baselineMb: mb(base0), peakMb: mb(peak), afterMb: mb(serverRss(pid)) };
  };
  await control({ tokens: 10_000, tokenDelayMs: 0 });
  const mem10k = await sampleRss(() => load({ mode: "closed", target: targets.text!, connections: 1, durationMs: 1, warmupMs: 0 }));
  await control({ tokens: 200, tokenDelayMs: 10 });
  const mem200 = await sampleRss(() => load({ mode: "open", target: targets.text!, rate: 2000, count: 200 }));

  // Realistic pace, open loop: 50 tokens at 20 ms/token, 200 ms to first token, 100 and 200 new streams/s.
  // The first rate (issue 26's first-token targets) runs BENCH_OPEN_ROUNDS rounds: in each, the
  // upstream (the reference), then the peer and our two protocols in an order rotated by one each
  // round, so that no path always follows the same one (a phase inherits the machine's and its
  // process's state from the last: bench/README.md, round 21). Each path's percentiles are over
  // all of its rounds' streams; each round's own p50 and p99 are kept beside them. A phase that
  // follows a gateway's starts PHASE_GAP_MS after it: what a server does once its load ends (our
  // idle collection 2 s after the last run, lib/server/idle-gc.ts) lands in the gap, not in the
  // next path's phase (it did in the peer's, round 21).
  await control(REALISTIC_PACE);
  let afterGateway = true; // the memory phases above loaded our server
  const count = Number(process.env.BENCH_OPEN_COUNT ?? 1000);
  const open: Record<string, Record<string, LoadResult>> = {};
  for (const rate of OPEN_RATES) {
    const rounds = rate === OPEN_RATES[0] ? OPEN_ROUNDS : 1;
    const runs: Record<string, LoadResult[]> = {};
    for (let round = 0; round < rounds; round++) {
      const turn = round % GATEWAYS.length;
      for (const key of ["upstream", ...GATEWAYS.slice(turn), ...GATEWAYS.slice(0, turn)]) {
        if (afterGateway) await new Promise((r) => setTimeout(r, PHASE_GAP_MS));
        afterGateway = key !== "upstream";
        // The serving process's CPU over the phase (all its threads: the collector's helpers too), per
        // stream: what a paced stream costs each gateway, which their latencies alone do not say.
        const server = key === "peer" ? peer.pid : key === "upstream" ? undefined : pid;
        // Beside it, what the local PostgreSQL and Redis spent over the phase (the peer's and the
        // upstream's phases show their idle cost), and how often the server was preempted.
        const cpu0 = server === undefined ? 0 : serverCpu(server);
        const [stores0, preempted0] = [storesCpu(), server === undefined ? 0 : serverPreemptions(server)];
        const r = await load({ mode: "open", target: targets[key]!, rate, count, samples: rounds > 1 });
        const perStream = (x: number, digits: number) => Math.round((x * 10 ** digits) / r.requests) / 10 ** digits;
        if (server !== undefined) {
          r.serverCpuMsPerStream = perStream((serverCpu(server) - cpu0) * 1000, 2);
          r.preemptionsPerStream = perStream(serverPreemptions(server) - preempted0, 1);
        }
        r.storesCpuMsPerStream = perStream((storesCpu() - stores0) * 1000, 2);
        (runs[key] ??= []).push(r);
        console.error(
          `open ${rate}/s ${key.padEnd(8)}${rounds > 1 ? ` round ${round + 1}` : ""} ${r.requests - r.errors}/${r.requests} first token p50 ${r.firstTokenMs.p50} p99 ${r.firstTokenMs.p99}${r.failures ? ` failures ${JSON.stringify(r.failures)}` : ""}`,
        );
      }
    }
    open[rate] = Object.fromEntries(
      ["upstream", ...GATEWAYS].map((k) => {
        const { samples: _, ...pooled } = pool(runs[k]!);
        return [k, pooled];
      }),
    );
  }

  // Sequential first-token overhead (c1, 20 tokens at 0 ms): ours minus the upstream's.
  await control({ tokens: 20, tokenDelayMs: 0, firstTokenDelayMs: 0 });
  const seqMap: Record<string, LoadResult> = {};
  for (const k of ["upstream", "peer", "pipe", "text", "sse"]) {
    seqMap[k] = await load({ mode: "closed", target: targets[k]!, connections: 1, durationMs: 3000, warmupMs: 300 });
  }
  // After the run: RSS 5 s after the load (issue 26's measure), and again after an idle while, when
  // V8's memory reducer has given back what was garbage: what is left is what is held.
  await new Promise((r) => setTimeout(r, 5000));
  const rssAfter = { ours: mb(serverRss(pid)), peer: mb(serverRss(peer.pid)), oursDetail: await fg.memory() };
  await new Promise((r) => setTimeout(r, Math.max(0, IDLE_S - 5) * 1000));
  const rssIdle = { ours: mb(serverRss(pid)), peer: mb(serverRss(peer.pid)), oursDetail: await fg.memory() };
  await fg.stop();

  // The whole machine: the same PostgreSQL and Redis, MACHINE server processes behind Node's cluster
  // (scripts/start.ts), its own paths measured the same way; RSS is the sum over its processes
  // (the cluster's primary included), per-process figures beside it.
  const machine = await measureMachine(upstream, control, targets.upstream!);

  const results = {
    at: new Date().toISOString(),
    node: process.version,
    database: process.env.DATABASE_URL ? "postgres" : "pglite",
    redis: !!process.env.REDIS_URL,
    heapMb: HEAP_MB ?? null,
    loadavg: loadavg(),
    durationMs: DURATION,
    streams,
    closed,
    perTokenCpuUs: perToken,
    memory: { stream10k: mem10k, concurrent200: mem200, rssStart, rssAfter, rssIdle, idleS: IDLE_S },
    open,
    sequential: seqMap,
    machine,
  };
  const file = path.join(ROOT, "bench/results", `${results.at.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(report(results));
  console.log(`\nraw numbers: ${path.relative(ROOT, file)}`);
  process.exit(0);
}

async function measureMachine(upstream: string, control: (o: object) => Promise<unknown>, upstreamTarget: Target) {
  const fg = await startFlowgate({ upstream, heapMb: HEAP_MB, port: 3900 + Math.floor(Math.random() * 90), workers: MACHINE });
  const targets: Record<string, Target> = {
    upstream: upstreamTarget,
    run: { ...fg.targets.run, name: `POST /run, ${MACHINE} processes` },
    text: { ...fg.targets.text, name: `/stream text, ${MACHINE} processes` },
    sse: { ...fg.targets.sse, name: `/stream SSE, ${MACHINE} processes` },
  };
  await new Promise((r) => setTimeout(r, 1000));
  const rssStart = { total: mb(serverRss(fg.pid)), processes: serverRssByProcess(fg.pid) };
  await control({ tokens: 20, tokenDelayMs: 0, firstTokenDelayMs: 0 });
  for (const key of ["run", "text", "sse"])
    await load({ mode: "closed", target: targets[key]!, connections: 4 * MACHINE, durationMs: 1000, warmupMs: 0 });
  const closed: LoadResult[] = [];
  for (const key of ["run", "text", "sse"]) {
    for (const c of CONNECTIONS) {
      const r = await load({ mode: "closed", target: targets[key]!, connections: c, durationMs: DURATION, warmupMs: 300 });
      closed.push(r);
      console.error(
        `${r.target.padEnd(28)} c${String(c).padEnd(3)} ${String(r.rps).padStart(8)} req/s  p50 ${r.latencyMs.p50} ms  errors ${r.errors}`,
      );
    }
  }
  await control(REALISTIC_PACE);
  const count = Number(process.env.BENCH_OPEN_COUNT ?? 1000);
  const open: Record<string, Record<string, LoadResult>> = {};
  for (const rate of OPEN_RATES) {
    open[rate] = {};
    for (const key of ["upstream", "text", "sse"]) {
      const r = await load({ mode: "open", target: targets[key]!, rate, count });
      open[rate][key] = r;
      console.error(
        `open ${rate}/s ${key.padEnd(8)} ${MACHINE} processes ${r.requests - r.errors}/${r.requests} first token p50 ${r.firstTokenMs.p50} p99 ${r.firstTokenMs.p99}`,
      );
    }
  }
  await control({ tokens: 20, tokenDelayMs: 0, firstTokenDelayMs: 0 });
  const sequential: Record<string, LoadResult> = {};
  for (const k of ["upstream", "text", "sse"])
    sequential[k] = await load({ mode: "closed", target: targets[k]!, connections: 1, durationMs: 3000, warmupMs: 300 });
  await new Promise((r) => setTimeout(r, 5000));
  const rssAfter = { total: mb(serverRss(fg.pid)), processes: serverRssByProcess(fg.pid) };
  await new Promise((r) => setTimeout(r, Math.max(0, IDLE_S - 5) * 1000));
  const rssIdle = { total: mb(serverRss(fg.pid)), processes: serverRssByProcess(fg.pid) };
  await fg.stop();
  return { processes: MACHINE, closed, open, sequential, memory: { rssStart, rssAfter, rssIdle } };
}

/**
 * Issue 26's targets, one process / the whole machine / the peer side by side. "text / SSE" cells
 * give both protocols; a target is met when both are.
 */
function targetsTable(r: any): string[] {
  const m = r.machine;
  const f1 = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1));
  const sign = (x: number) => `${x >= 0 ? "+" : ""}${f1(x)}`;
  const openOver = (src: any, rate: number, key: string, q: "p50" | "p99") =>
    src.open[rate]?.[key] ? src.open[rate][key].firstTokenMs[q] - src.open[rate].upstream.firstTokenMs[q] : NaN;
  const done = (src: any, rate: number, key: string) => {
    const x = src.open[rate]?.[key];
    return x ? `${x.requests - x.errors}/${x.requests}` : "–";
  };
  const rps = (src: any, name: string, c: number) =>
    (src.closed as LoadResult[]).find((x) => x.target === name && x.connections === c)?.rps ?? NaN;
  const seq = (src: any, key: string) => src.sequential[key].firstTokenMs.p50 - src.sequential.upstream.firstTokenMs.p50;
  const machineName = (k: string) => `/stream ${k}, ${m.processes} processes`;
  const rows: string[] = [];
  const row = (
    what: string,
    one: number[],
    all: number[],
    peer: number,
    fmt: (x: number) => string,
    ok: (x: number) => boolean,
    target: string,
  ) => {
    const verdict = (xs: number[]) => (xs.every((x) => Number.isFinite(x) && ok(x)) ? "met" : "not met");
    rows.push(
      `| ${what} | ${one.map(fmt).join(" / ")} | ${all.map(fmt).join(" / ")} | ${fmt(peer)} | ${target} | ${target === "–" ? "–" : `${verdict(one)} / ${verdict(all)}`} |`,
    );
  };
  const [lo, hi] = [OPEN_RATES[0]!, OPEN_RATES.at(-1)!];
  for (const q of ["p50", "p99"] as const) {
    const peer = openOver(r, lo, "peer", q);
    row(
      `realistic pace ${lo}/s, first-token overhead ${q} (ms)`,
      ["text", "sse"].map((k) => openOver(r, lo, k, q)),
      ["text", "sse"].map((k) => openOver(m, lo, k, q)),
      peer,
      sign,
      (x) => x <= 2 * Math.max(peer, 0),
      `≤ 2× the peer's (${sign(2 * peer)})`,
    );
  }
  const allDone = (src: any) => (["text", "sse"].every((k) => src.open[hi]?.[k] && !src.open[hi][k].errors) ? "met" : "not met");
  rows.push(
    `| realistic pace ${hi}/s, completed | ${done(r, hi, "text")} / ${done(r, hi, "sse")} | ${done(m, hi, "text")} / ${done(m, hi, "sse")} | ${done(r, hi, "peer")} | all | ${allDone(r)} / ${allDone(m)} |`,
  );
  for (const q of ["p50", "p99"] as const)
    rows.push(
      `| realistic pace ${hi}/s, first-token overhead ${q} (ms) | ${["text", "sse"].map((k) => sign(openOver(r, hi, k, q))).join(" / ")} | ${["text", "sse"].map((k) => sign(openOver(m, hi, k, q))).join(" / ")} | ${sign(openOver(r, hi, "peer", q))} | – | – |`,
    );
  for (const c of [10, 50]) {
    const peer = rps(r, PEER, c);
    row(
      `/stream req/s at c${c} (20 tokens, 0 ms)`,
      [rps(r, "/stream text", c), rps(r, "/stream SSE", c)],
      [rps(m, machineName("text"), c), rps(m, machineName("SSE"), c)],
      peer,
      (x) => x.toFixed(0),
      (x) => c !== 50 || x >= peer / 2,
      c === 50 ? `≥ ½ the peer's (${(peer / 2).toFixed(0)})` : "–",
    );
  }
  const peerSeq = seq(r, "peer");
  row(
    "first token, sequential, overhead p50 (ms)",
    [seq(r, "text"), seq(r, "sse")],
    [seq(m, "text"), seq(m, "sse")],
    peerSeq,
    sign,
    (x) => x <= peerSeq / 4,
    `≤ ¼ of the peer's (${sign(peerSeq / 4)})`,
  );
  const mem = r.memory;
  const mm = m.memory;
  const grow = (a: number, b: number) => `${a} → ${b} (${(b / a).toFixed(2)}×)`;
  rows.push(
    `| RSS at start → 5 s after the load (MB)${r.heapMb ? `, --max-old-space-size=${r.heapMb}` : ""} | ${grow(mem.rssStart.ours, mem.rssAfter.ours)} | ${grow(mm.rssStart.total, mm.rssAfter.total)} | ${grow(mem.rssStart.peer, mem.rssAfter.peer)} | ≤ 1.5× | ${mem.rssAfter.ours <= 1.5 * mem.rssStart.ours ? "met" : "not met"} / ${mm.rssAfter.total <= 1.5 * mm.rssStart.total ? "met" : "not met"} |`,
  );
  return [
    `## Issue 26's targets: one process, the whole machine (${m.processes} processes, npm start), the peer`,
    "",
    "Overheads are each path's first token minus the upstream's own in the same phase. Cells: text / SSE.",
    "",
    `| | one process | ${m.processes} processes | peer | target | met (one / ${m.processes}) |`,
    "|---|---:|---:|---:|---|---|",
    ...rows,
  ];
}

function report(r: any) {
  const ratio = (a?: number, b?: number) => (a && b ? (a / b).toFixed(2) : "–");
  const by = (name: string, c: number) => (r.closed as LoadResult[]).find((x) => x.target === name && x.connections === c);
  const lines = [
    `# Flowgate bench — ${r.at} (Node ${r.node}, ${r.database}${r.redis ? " + redis" : ""}${r.heapMb ? `, both servers at --max-old-space-size=${r.heapMb}` : ""})`,
    "",
    `Load average at the end: ${r.loadavg.map((x: number) => x.toFixed(2)).join(", ")} (1, 5, 15 min; 2 cores)`,
    "",
    `Streaming checked (5 tokens 200 ms apart; first token / end, ms): ${Object.entries(
      r.streams as Record<string, { firstTokenMs: number; latencyMs: number }>,
    )
      .map(([k, v]) => `${k} ${Math.round(v.firstTokenMs)} / ${Math.round(v.latencyMs)}`)
      .join(", ")}`,
    "",
    ...targetsTable(r),
    "",
    "## Throughput (closed loop, 20-token streams from a 0 ms/token upstream)",
    "",
    `| target | c | req/s | p50 ms | p90 ms | p99 ms | first token p50 | errors | vs upstream | vs floor | vs pipe | vs peer |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`,
  ];
  for (const x of r.closed as LoadResult[]) {
    const c = x.connections!;
    lines.push(
      `| ${x.target} | ${c} | ${x.rps} | ${x.latencyMs.p50} | ${x.latencyMs.p90} | ${x.latencyMs.p99} | ${x.firstTokenMs.p50} | ${x.errors} | ${ratio(x.rps, by("upstream direct", c)?.rps)} | ${ratio(x.rps, by("Next trivial route (floor)", c)?.rps)} | ${ratio(x.rps, by("Next fetch pipe", c)?.rps)} | ${ratio(x.rps, by(PEER, c)?.rps)} |`,
    );
  }
  for (const x of r.machine.closed as LoadResult[]) {
    const c = x.connections!;
    lines.push(
      `| ${x.target} | ${c} | ${x.rps} | ${x.latencyMs.p50} | ${x.latencyMs.p90} | ${x.latencyMs.p99} | ${x.firstTokenMs.p50} | ${x.errors} | ${ratio(x.rps, by("upstream direct", c)?.rps)} | – | – | ${ratio(x.rps, by(PEER, c)?.rps)} |`,
    );
  }
  const ft = (k: string) => r.sequential[k]?.firstTokenMs as Stats | undefined;
  const up = ft("upstream")!;
  const over = (k: string) => ({ p50: ft(k)!.p50 - up.p50, p99: ft(k)!.p99 - up.p99 });
  lines.push(
    "",
    "## First-token overhead, sequential (c1): each path minus the upstream's",
    "",
    "| path | p50 ms | p99 ms | p50 vs peer |",
    "|---|---:|---:|---:|",
  );
  for (const k of ["peer", "pipe", "text", "sse"])
    lines.push(
      `| ${k} | +${over(k).p50.toFixed(2)} | +${over(k).p99.toFixed(2)} | ${k === "peer" ? "–" : ratio(over(k).p50, over("peer").p50)} |`,
    );
  for (const [rate, byKey] of Object.entries(r.open as Record<string, Record<string, LoadResult>>)) {
    lines.push(
      "",
      `## Realistic pace, open loop (50 tokens × 20 ms, 200 ms to first token, ${rate} new streams/s)`,
      "",
      "| path | completed | first token p50 | p99 | overhead p50 | overhead p99 | overhead p99 − peer's | server CPU ms/stream | PostgreSQL + Redis CPU ms/stream | server preempted /stream | overhead p50 / p99 by round | overhead p50 by second of the schedule |",
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    );
    const d = byKey.upstream!.firstTokenMs;
    // Each round against the upstream's phase of the same round.
    const upRounds = byKey.upstream!.rounds ?? [];
    const byRound = (x: LoadResult) =>
      (x.rounds ?? [])
        .flatMap((q, i) => (upRounds[i] ? [`${(q.p50 - upRounds[i].p50).toFixed(1)} / ${(q.p99 - upRounds[i].p99).toFixed(1)}`] : []))
        .join("; ");
    const peerP99 = byKey.peer!.firstTokenMs.p99 - d.p99;
    for (const [k, x] of Object.entries(byKey)) {
      const o99 = x.firstTokenMs.p99 - d.p99;
      // Where in the run the time went: a slow start (cold pools) or a stall reads differently from a steady cost.
      const bySecond = (x.firstTokenBySecond ?? []).map((s) => Math.round(s.p50 - d.p50)).join(", ");
      lines.push(
        `| ${k} | ${x.requests - x.errors}/${x.requests} | ${x.firstTokenMs.p50} | ${x.firstTokenMs.p99} | +${(x.firstTokenMs.p50 - d.p50).toFixed(1)} | +${o99.toFixed(1)} | ${k === "upstream" || k === "peer" ? "–" : `${o99 - peerP99 >= 0 ? "+" : ""}${(o99 - peerP99).toFixed(1)}`} | ${x.serverCpuMsPerStream ?? "–"} | ${x.storesCpuMsPerStream ?? "–"} | ${x.preemptionsPerStream ?? "–"} | ${byRound(x) || "–"} | ${bySecond || "–"} |`,
      );
    }
  }
  lines.push(
    "",
    "## Per-token server CPU (1,000-token stream, 0 ms/token)",
    "",
    "| path | µs/token | beyond the bare pipe |",
    "|---|---:|---:|",
  );
  for (const [k, v] of Object.entries(r.perTokenCpuUs as Record<string, number>))
    lines.push(
      `| ${k} | ${v.toFixed(1)} | ${k === "pipe" ? "–" : `${v >= r.perTokenCpuUs.pipe ? "+" : ""}${(v - r.perTokenCpuUs.pipe).toFixed(1)}`} |`,
    );
  const m = r.memory;
  lines.push(
    "",
    "## Server memory (RSS, MB)",
    "",
    `| process | at start | 5 s after the run | after / start | ${m.idleS} s idle after | idle / start |`,
    "|---|---:|---:|---:|---:|---:|",
  );
  lines.push(
    `| Flowgate (next start) | ${m.rssStart.ours} | ${m.rssAfter.ours} | ${ratio(m.rssAfter.ours, m.rssStart.ours)} | ${m.rssIdle.ours} | ${ratio(m.rssIdle.ours, m.rssStart.ours)} |`,
  );
  const mm = r.machine.memory;
  lines.push(
    `| Flowgate, ${r.machine.processes} processes (npm start; sum: ${mm.rssAfter.processes.join(" + ")}) | ${mm.rssStart.total} | ${mm.rssAfter.total} | ${ratio(mm.rssAfter.total, mm.rssStart.total)} | ${mm.rssIdle.total} | ${ratio(mm.rssIdle.total, mm.rssStart.total)} |`,
  );
  lines.push(
    `| ${PEER} | ${m.rssStart.peer} | ${m.rssAfter.peer} | ${ratio(m.rssAfter.peer, m.rssStart.peer)} | ${m.rssIdle.peer} | ${ratio(m.rssIdle.peer, m.rssStart.peer)} |`,
  );
  const heapOf = (d: { usage: Record<string, number>; gc: Record<string, { count: number }> }) =>
    `${d.usage.heapUsed} of ${d.usage.heapTotal}`;
  lines.push(
    "",
    `Flowgate's V8 heap, used of total (MB): at start ${heapOf(m.rssStart.oursDetail)}, 5 s after ${heapOf(m.rssAfter.oursDetail)}, idle ${heapOf(m.rssIdle.oursDetail)}; collections during the run: ${Object.entries(
      m.rssAfter.oursDetail.gc as Record<string, { count: number; ms: number }>,
    )
      .map(([k, t]) => `${k} ${t.count}× ${t.ms} ms`)
      .join(", ")}.`,
  );
  lines.push("", "| Flowgate scenario | baseline | peak | after |", "|---|---:|---:|---:|");
  lines.push(`| one 10,000-token stream | ${m.stream10k.baselineMb} | ${m.stream10k.peakMb} | ${m.stream10k.afterMb} |`);
  lines.push(`| 200 concurrent streams | ${m.concurrent200.baselineMb} | ${m.concurrent200.peakMb} | ${m.concurrent200.afterMb} |`);
  return lines.join("\n");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
