// `npm run bench`: the gateway measured against the upstream (the limit) and a trivial Next route
// (the framework floor), as ratios in one run — this machine is shared and noisy, so absolute
// numbers alone prove nothing. Writes bench/results/<timestamp>.json and prints a markdown table.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { buildIfStale } from "../scripts/build-if-stale";
import type { LoadResult, Spec, Stats, Target } from "./load";

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "..");
const DURATION = Number(process.env.BENCH_DURATION_MS ?? 4000);
const CONNECTIONS = (process.env.BENCH_CONNECTIONS ?? "1,10,50").split(",").map(Number);
const tsx = path.join(ROOT, "node_modules/tsx/dist/cli.mjs");
const next = path.join(ROOT, "node_modules/next/dist/bin/next");
const children: ChildProcess[] = [];
process.on("exit", () => children.forEach((c) => c.kill("SIGKILL")));

function spawnJsonLine(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; first: any }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
    children.push(child);
    let buf = "";
    child.stdout!.on("data", (d) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl >= 0) resolve({ child, first: JSON.parse(buf.slice(0, nl)) });
    });
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited ${code}`)));
  });
}

async function load(spec: Spec): Promise<LoadResult> {
  const { stdout } = await exec(process.execPath, [tsx, path.join(ROOT, "bench/load.ts"), JSON.stringify(spec)], { cwd: ROOT, maxBuffer: 16 << 20 });
  return JSON.parse(stdout);
}

/** CPU seconds (user + system) and resident memory of a process, from /proc. */
function procStat(pid: number) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  const ticks = Number(stat[11]) + Number(stat[12]);
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
  return { cpuS: ticks / 100, rss };
}

/** Every pid in the server's process tree (next start may fork workers). */
function treePids(root: number): number[] {
  const out = [root];
  try {
    const kids = readFileSync(`/proc/${root}/task/${root}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
    for (const k of kids) out.push(...treePids(k));
  } catch {}
  return out;
}
const serverCpu = (pid: number) => treePids(pid).reduce((a, p) => a + procStat(p).cpuS, 0);
const serverRss = (pid: number) => treePids(pid).reduce((a, p) => a + procStat(p).rss, 0);

async function main() {
  const buildMs = await buildIfStale(ROOT);
  if (buildMs !== null) console.error(`built in ${Math.round(buildMs / 1000)} s`);
  // `node --import tsx` rather than the tsx CLI, which forks a grandchild that outlives a kill.
  const { first: up } = await spawnJsonLine(["--import", "tsx", "bench/upstream.ts"], process.env);
  const upstream = up.url as string;
  const control = (o: object) => fetch(upstream.replace(/\/v1$/, "/__control"), { method: "POST", body: JSON.stringify(o) });

  const dataDir = mkdtempSync(path.join(tmpdir(), "fg-bench-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env, FLOWGATE_DATA_DIR: dataDir, OPENAI_BASE_URL: upstream, OPENAI_API_KEY: "bench", LOG_LEVEL: "warn",
    RATE_LIMIT_PER_MINUTE: "1000000000", FLOWGATE_BENCH_ROUTES: "1", NODE_ENV: "production",
  };
  const seed = JSON.parse((await exec(process.execPath, [tsx, "--conditions=react-server", "tests/e2e/seed-e2e.ts"], { cwd: ROOT, env })).stdout.trim().split("\n").at(-1)!);
  const port = 3900 + Math.floor(Math.random() * 90);
  const server = spawn(process.execPath, [next, "start", "-p", String(port), "-H", "127.0.0.1"], { cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"] });
  children.push(server);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (await fetch(`${base}/api/health`).then((r) => r.ok, () => false)) break;
    if (i > 240) throw new Error("server did not start");
    await new Promise((r) => setTimeout(r, 250));
  }
  const pid = server.pid!;
  const auth = { authorization: `Bearer ${seed.key}` };
  const runBody = JSON.stringify({ story: "a dog named charlie" });
  const wf = seed.storyId;
  const targets: Record<string, Target> = {
    upstream: { name: "upstream direct", method: "POST", url: `${upstream}/chat/completions`, body: JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] }), firstTokenMarker: '"content":"tok' },
    floor: { name: "Next trivial route (floor)", method: "GET", url: `${base}/api/bench/floor` },
    pipe: { name: "Next fetch pipe", method: "POST", url: `${base}/api/bench/pipe`, body: "hi", firstTokenMarker: '"content":"tok' },
    run: { name: "POST /run", method: "POST", url: `${base}/api/v1/run/${wf}`, headers: auth, body: runBody },
    text: { name: "/stream text", method: "POST", url: `${base}/api/v1/run/${wf}/stream`, headers: auth, body: runBody, firstTokenMarker: "tok" },
    sse: { name: "/stream SSE", method: "POST", url: `${base}/api/v1/run/${wf}/stream?protocol=sse`, headers: auth, body: runBody, firstTokenMarker: "event: chunk" },
    ui: { name: "/stream UI", method: "POST", url: `${base}/api/v1/run/${wf}/stream?protocol=ui`, headers: auth, body: runBody, firstTokenMarker: "text-delta" },
    token: { name: "GET /token", method: "GET", url: `${base}/api/v1/token?ttl=60`, headers: auth },
  };

  // Warm every path once (JIT, connection pools).
  await control({ tokens: 20, tokenDelayMs: 0, firstTokenDelayMs: 0 });
  for (const t of Object.values(targets)) await load({ mode: "closed", target: t, connections: 4, durationMs: 500, warmupMs: 0 });

  const closed: LoadResult[] = [];
  for (const key of Object.keys(targets)) {
    for (const c of CONNECTIONS) {
      const r = await load({ mode: "closed", target: targets[key]!, connections: c, durationMs: DURATION, warmupMs: 300 });
      closed.push(r);
      console.error(`${r.target.padEnd(28)} c${String(c).padEnd(3)} ${String(r.rps).padStart(8)} req/s  p50 ${r.latencyMs.p50} ms  p99 ${r.latencyMs.p99} ms  errors ${r.errors}`);
    }
  }

  // Per-token CPU: a 1,000-token stream at 0 ms/token, through the gateway vs through the bare pipe.
  await control({ tokens: 1000, tokenDelayMs: 0 });
  const perToken: Record<string, number> = {};
  for (const key of ["pipe", "text", "sse"] as const) {
    const before = serverCpu(pid);
    const r = await load({ mode: "closed", target: targets[key]!, connections: 1, durationMs: 3000, warmupMs: 0 });
    perToken[key] = ((serverCpu(pid) - before) / r.requests) * 1e6 / 1000; // µs of server CPU per token
  }

  // Memory: one 10,000-token stream, then 200 concurrent streams.
  const sampleRss = async (fn: () => Promise<unknown>) => {
    const base0 = serverRss(pid);
    let peak = base0;
    const t = setInterval(() => (peak = Math.max(peak, serverRss(pid))), 25);
    await fn();
    clearInterval(t);
    return { baselineMb: Math.round(base0 / 1048576), peakMb: Math.round(peak / 1048576), afterMb: Math.round(serverRss(pid) / 1048576) };
  };
  await control({ tokens: 10_000, tokenDelayMs: 0 });
  const mem10k = await sampleRss(() => load({ mode: "closed", target: targets.text!, connections: 1, durationMs: 1, warmupMs: 0 }));
  await control({ tokens: 200, tokenDelayMs: 10 });
  const mem200 = await sampleRss(() => load({ mode: "open", target: targets.text!, rate: 2000, count: 200 }));

  // Realistic pace, open loop: 50 tokens at 20 ms/token, 200 ms to first token, 100 new streams/s.
  await control({ tokens: 50, tokenDelayMs: 20, firstTokenDelayMs: 200 });
  const count = Number(process.env.BENCH_OPEN_COUNT ?? 1000);
  const openDirect = await load({ mode: "open", target: targets.upstream!, rate: 100, count });
  const openText = await load({ mode: "open", target: targets.text!, rate: 100, count });
  const openSse = await load({ mode: "open", target: targets.sse!, rate: 100, count });

  // Sequential first-token overhead (c1, 20 tokens at 0 ms): ours minus the upstream's.
  await control({ tokens: 20, tokenDelayMs: 0, firstTokenDelayMs: 0 });
  const seqMap: Record<string, LoadResult> = {};
  for (const k of ["upstream", "pipe", "text", "sse"]) {
    seqMap[k] = await load({ mode: "closed", target: targets[k]!, connections: 1, durationMs: 3000, warmupMs: 300 });
  }

  const results = { at: new Date().toISOString(), node: process.version, database: process.env.DATABASE_URL ? "postgres" : "pglite", redis: !!process.env.REDIS_URL, durationMs: DURATION, closed, perTokenCpuUs: perToken, memory: { stream10k: mem10k, concurrent200: mem200 }, open: { direct: openDirect, text: openText, sse: openSse }, sequential: seqMap };
  const file = path.join(ROOT, "bench/results", `${results.at.replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2));
  console.log(report(results));
  console.log(`\nraw numbers: ${path.relative(ROOT, file)}`);
  server.kill("SIGTERM");
  process.exit(0);
}

function report(r: any) {
  const by = (name: string, c: number) => (r.closed as LoadResult[]).find((x) => x.target === name && x.connections === c);
  const lines = [`# Flowgate bench — ${r.at} (Node ${r.node}, ${r.database}${r.redis ? " + redis" : ""})`, "", "## Throughput (closed loop, 20-token streams from a 0 ms/token upstream)", ""];
  lines.push(`| target | c | req/s | p50 ms | p90 ms | p99 ms | TTFB p50 | first token p50 | errors | vs upstream | vs floor |`);
  lines.push(`|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|`);
  for (const x of r.closed as LoadResult[]) {
    const up = by("upstream direct", x.connections!);
    const fl = by("Next trivial route (floor)", x.connections!);
    lines.push(`| ${x.target} | ${x.connections} | ${x.rps} | ${x.latencyMs.p50} | ${x.latencyMs.p90} | ${x.latencyMs.p99} | ${x.ttfbMs.p50} | ${x.firstTokenMs.p50} | ${x.errors} | ${up ? (x.rps / up.rps).toFixed(2) : "–"} | ${fl ? (x.rps / fl.rps).toFixed(2) : "–"} |`);
  }
  const ft = (k: string) => r.sequential[k]?.firstTokenMs as Stats | undefined;
  const up = ft("upstream");
  lines.push("", "## First-token overhead, sequential (c1): ours minus the upstream's", "", "| path | p50 ms | p99 ms |", "|---|---:|---:|");
  for (const k of ["pipe", "text", "sse"]) {
    const s = ft(k);
    if (s && up) lines.push(`| ${k} | +${(s.p50 - up.p50).toFixed(2)} | +${(s.p99 - up.p99).toFixed(2)} |`);
  }
  lines.push("", "## Realistic pace, open loop (50 tokens × 20 ms, 200 ms to first token, 100 new streams/s)", "", "| path | completed | errors | first token p50 | p99 | overhead p50 | overhead p99 |", "|---|---:|---:|---:|---:|---:|---:|");
  const d = r.open.direct.firstTokenMs as Stats;
  for (const [k, x] of Object.entries(r.open) as Array<[string, LoadResult]>) {
    lines.push(`| ${k} | ${x.requests - x.errors}/${x.requests} | ${x.errors} | ${x.firstTokenMs.p50} | ${x.firstTokenMs.p99} | +${(x.firstTokenMs.p50 - d.p50).toFixed(1)} | +${(x.firstTokenMs.p99 - d.p99).toFixed(1)} |`);
  }
  lines.push("", "## Per-token server CPU (1,000-token stream, 0 ms/token)", "", "| path | µs/token | beyond the bare pipe |", "|---|---:|---:|");
  for (const [k, v] of Object.entries(r.perTokenCpuUs as Record<string, number>)) lines.push(`| ${k} | ${v.toFixed(1)} | ${k === "pipe" ? "–" : `+${(v - r.perTokenCpuUs.pipe).toFixed(1)}`} |`);
  lines.push("", "## Server memory (RSS, MB)", "", "| scenario | baseline | peak | after |", "|---|---:|---:|---:|");
  lines.push(`| one 10,000-token stream | ${r.memory.stream10k.baselineMb} | ${r.memory.stream10k.peakMb} | ${r.memory.stream10k.afterMb} |`);
  lines.push(`| 200 concurrent streams | ${r.memory.concurrent200.baselineMb} | ${r.memory.concurrent200.peakMb} | ${r.memory.concurrent200.afterMb} |`);
  return lines.join("\n");
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
