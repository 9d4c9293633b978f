// `npx tsx bench/profile.ts [text|sse|ui|run] [connections|open] [ms|count]`: `next start` under
// `node --cpu-prof` with closed-loop load on one target (20 tokens at 0 ms), or with `open` the
// realistic pace (count streams at 100/s, 50 tokens × 20 ms, 200 ms to first token); then a
// self-time summary by function and by package. Same setup as bench/run.ts (PostgreSQL/Redis from env).
// PROFILE=alloc samples allocations instead (bench/alloc-sampler.mjs, the load only, garbage
// included) and sums bytes allocated per request by function and package.
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildIfStale } from "../scripts/build-if-stale";
import { runLoad } from "./load";
import { REALISTIC_PACE, ROOT, startFlowgate, startUpstream } from "./servers";

const [target = "text", conns = "50", ms = "8000"] = process.argv.slice(2);

await buildIfStale(ROOT);
const { control, url: upstream } = await startUpstream();
const alloc = process.env.PROFILE === "alloc";
const profDir = mkdtempSync(path.join(tmpdir(), "fg-cpuprof-"));
const allocFile = path.join(profDir, "alloc.heapprofile");
process.env.ALLOC_PROFILE_FILE = allocFile;
const nodeArgs = alloc ? ["--import", path.join(ROOT, "bench/alloc-sampler.mjs")] : ["--cpu-prof", "--cpu-prof-dir", profDir];
const fg = await startFlowgate({ upstream, nodeArgs, port: 3990 + Math.floor(Math.random() * 9) });
const t = fg.targets[target as "text" | "sse" | "ui" | "run"];
await runLoad({ mode: "closed", target: t, connections: 4, durationMs: 1000, warmupMs: 0 });
if (alloc) fg.server.kill("SIGUSR2");
let requests = 0;
if (conns === "open") {
  await control(REALISTIC_PACE);
  const r = await runLoad({ mode: "open", target: t, rate: 100, count: Number(ms) });
  requests = r.requests;
  console.log(
    `${target} open: ${r.requests - r.errors}/${r.requests}, first token p50 ${r.firstTokenMs.p50} ms, p99 ${r.firstTokenMs.p99} ms`,
  );
} else {
  const r = await runLoad({ mode: "closed", target: t, connections: Number(conns), durationMs: Number(ms), warmupMs: 300 });
  requests = r.requests;
  console.log(`${target} c${conns}: ${r.rps} req/s, p50 ${r.latencyMs.p50} ms, errors ${r.errors}`);
}
if (alloc) {
  fg.server.kill("SIGUSR2");
  while (!existsSync(allocFile)) await new Promise((r) => setTimeout(r, 200));
  summarizeAlloc(JSON.parse(readFileSync(allocFile, "utf8")), requests);
  process.exit(0);
}
// SIGINT lets node write the profile on its way out.
fg.server.kill("SIGINT");
await new Promise((r) => fg.server.once("exit", r));

type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] };
const file = readdirSync(profDir)
  .map((f) => path.join(profDir, f))
  .sort()
  .at(-1)!;
const prof = JSON.parse(readFileSync(file, "utf8")) as { nodes: Node[]; samples: number[]; timeDeltas: number[] };
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
prof.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0)));
const total = [...self.values()].reduce((a, b) => a + b, 0);
function pkgOf(u: string) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(u) ?? /\.next\/server\/(chunks|app)\//.exec(u);
  return m ? m[1]! : u.startsWith("node:") ? "node:internal" : u ? path.basename(u) : "(native/gc/idle)";
}
const agg = (key: (n: Node) => string) => {
  const m = new Map<string, number>();
  for (const [id, us] of self) m.set(key(byId.get(id)!), (m.get(key(byId.get(id)!)) ?? 0) + us);
  return [...m].sort((a, b) => b[1] - a[1]);
};
const pct = (us: number) => `${((us / total) * 100).toFixed(1)}%`;
console.log(`\nprofile: ${file} (${(total / 1e6).toFixed(1)} s sampled)\n\nby package/file:`);
for (const [k, us] of agg((n) => pkgOf(n.callFrame.url)).slice(0, 20)) console.log(`  ${pct(us).padStart(6)}  ${k}`);
console.log("\nby function:");
for (const [k, us] of agg(
  (n) => `${n.callFrame.functionName || "(anon)"} ${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber}`,
).slice(0, 40))
  console.log(`  ${pct(us).padStart(6)}  ${k}`);
process.exit(0);

type AllocNode = { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: AllocNode[] };
function summarizeAlloc(profile: { head: AllocNode }, requests: number) {
  const byFn = new Map<string, number>();
  const byPkg = new Map<string, number>();
  const walk = (n: AllocNode) => {
    const f = n.callFrame;
    const fn = `${f.functionName || "(anon)"} ${path.basename(f.url)}:${f.lineNumber}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + n.selfSize);
    byPkg.set(pkgOf(f.url), (byPkg.get(pkgOf(f.url)) ?? 0) + n.selfSize);
    n.children.forEach(walk);
  };
  walk(profile.head);
  const total = [...byFn.values()].reduce((a, b) => a + b, 0);
  const kb = (b: number) => `${(b / 1024 / Math.max(1, requests)).toFixed(1)} KB/req`;
  console.log(
    `\nallocated: ${(total / 1048576).toFixed(0)} MB over ${requests} requests, ${kb(total)} (sampled; garbage included)\n\nby package/file:`,
  );
  for (const [k, b] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${kb(b).padStart(14)}  ${k}`);
  console.log("\nby function:");
  for (const [k, b] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`  ${kb(b).padStart(14)}  ${k}`);
}
