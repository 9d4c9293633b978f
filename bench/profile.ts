// `npx tsx bench/profile.ts [text|sse|ui|run] [connections|open] [ms|count]`: `next start` under
// `node --cpu-prof` with closed-loop load on one target (20 tokens at 0 ms), or with `open` the
// realistic pace (count streams at 100/s, 50 tokens × 20 ms, 200 ms to first token); then a
// self-time summary by function and by package. Same setup as bench/run.ts (PostgreSQL/Redis from env).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { buildIfStale } from "../scripts/build-if-stale";
import { runLoad } from "./load";

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "..");
const [target = "text", conns = "50", ms = "8000"] = process.argv.slice(2);

await buildIfStale(ROOT);
const up = spawn(process.execPath, ["--import", "tsx", "bench/upstream.ts"], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
const upstream: string = await new Promise((r) => up.stdout!.once("data", (d) => r(JSON.parse(String(d)).url)));
const dataDir = mkdtempSync(path.join(tmpdir(), "fg-prof-"));
const profDir = mkdtempSync(path.join(tmpdir(), "fg-cpuprof-"));
const env: NodeJS.ProcessEnv = { ...process.env, FLOWGATE_DATA_DIR: dataDir, OPENAI_BASE_URL: upstream, OPENAI_API_KEY: "bench", LOG_LEVEL: "warn", RATE_LIMIT_PER_MINUTE: "1000000000", FLOWGATE_BENCH_ROUTES: "1", NODE_ENV: "production" };
const tsx = path.join(ROOT, "node_modules/tsx/dist/cli.mjs");
const seed = JSON.parse((await exec(process.execPath, [tsx, "--conditions=react-server", "tests/e2e/seed-e2e.ts"], { cwd: ROOT, env })).stdout.trim().split("\n").at(-1)!);
const port = 3990 + Math.floor(Math.random() * 9);
const server: ChildProcess = spawn(process.execPath, ["--cpu-prof", "--cpu-prof-dir", profDir, path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"], { cwd: ROOT, env, stdio: ["ignore", "ignore", "inherit"] });
const base = `http://127.0.0.1:${port}`;
while (!(await fetch(`${base}/api/health`).then((r) => r.ok, () => false))) await new Promise((r) => setTimeout(r, 250));
const body = JSON.stringify({ story: "a dog named charlie" });
const url = target === "run" ? `${base}/api/v1/run/${seed.storyId}` : `${base}/api/v1/run/${seed.storyId}/stream${target === "text" ? "" : `?protocol=${target}`}`;
const t = { name: target, method: "POST" as const, url, headers: { authorization: `Bearer ${seed.key}` }, body };
await runLoad({ mode: "closed", target: t, connections: 4, durationMs: 1000, warmupMs: 0 });
if (conns === "open") {
  await fetch(upstream.replace(/\/v1$/, "/__control"), { method: "POST", body: JSON.stringify({ tokens: 50, tokenDelayMs: 20, firstTokenDelayMs: 200 }) });
  const r = await runLoad({ mode: "open", target: t, rate: 100, count: Number(ms) });
  console.log(`${target} open: ${r.requests - r.errors}/${r.requests}, first token p50 ${r.firstTokenMs.p50} ms, p99 ${r.firstTokenMs.p99} ms`);
} else {
  const r = await runLoad({ mode: "closed", target: t, connections: Number(conns), durationMs: Number(ms), warmupMs: 300 });
  console.log(`${target} c${conns}: ${r.rps} req/s, p50 ${r.latencyMs.p50} ms, errors ${r.errors}`);
}
server.kill("SIGINT");
await new Promise((r) => server.once("exit", r));
up.kill();

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
const file = readdirSync(profDir).map((f) => path.join(profDir, f)).sort().at(-1)!;
const prof = JSON.parse(readFileSync(file, "utf8")) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
const pkgOf = (u: string) => {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u) ?? /\.next\/server\/(chunks|app)\//.exec(u);
  return m ? m[1]! : u.startsWith("node:") ? "node:internal" : u ? path.basename(u) : "(native/gc/idle)";
};
const agg = (key: (n: Node) => string) => {
  const m = new Map<string, number>();
  for (const [id, us] of self) m.set(key(byId.get(id)!), (m.get(key(byId.get(id)!)) ?? 0) + us);
  return [...m].sort((a, b) => b[1] - a[1]);
};
const pct = (us: number) => `${((us / total) * 100).toFixed(1)}%`;
console.log(`\nprofile: ${file} (${(total / 1e6).toFixed(1)} s sampled)\n\nby package/file:`);
for (const [k, us] of agg((n) => pkgOf(n.callFrame.url)).slice(0, 20)) console.log(`  ${pct(us).padStart(6)}  ${k}`);
console.log("\nby function:");
for (const [k, us] of agg((n) => `${n.callFrame.functionName || "(anon)"} ${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber}`).slice(0, 40)) console.log(`  ${pct(us).padStart(6)}  ${k}`);
process.exit(0);
