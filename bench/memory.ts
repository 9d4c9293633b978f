// `npx tsx bench/memory.ts [seconds per target] [open count]`: where the server's memory goes under
// the bench's load, in about a minute rather than the full bench's five. `next start` (with
// --expose-gc, so "held" can be told from "not collected yet") takes closed-loop load at c50 on
// /run and /stream (text, SSE, UI), then the realistic pace at 100 and 200 new streams/s; the
// breakdown (RSS, V8 heap by space, external, array buffers, malloc) is printed at start, after
// the load, after a few idle seconds and after a full GC. BENCH_HEAP_MB caps the V8 heap;
// BENCH_SERVER_ARGS adds node flags (e.g. --heapsnapshot-signal=SIGUSR2).
import { readFileSync } from "node:fs";
import { buildIfStale } from "../scripts/build-if-stale";
import { runLoad } from "./load";
import { REALISTIC_PACE, ROOT, mb, serverRss, startFlowgate, startUpstream } from "./servers";

const [seconds = "4", openCount = "600"] = process.argv.slice(2);
const heapMb = process.env.BENCH_HEAP_MB ? Number(process.env.BENCH_HEAP_MB) : undefined;
const extra = (process.env.BENCH_SERVER_ARGS ?? "").split(" ").filter(Boolean);

await buildIfStale(ROOT);
const { url: upstream, control } = await startUpstream();
const fg = await startFlowgate({ upstream, heapMb, nodeArgs: ["--expose-gc", ...extra], port: 3700 + Math.floor(Math.random() * 90) });
type Memory = {
  usage: Record<string, number>;
  spaces: Record<string, { size: number; used: number }>;
  mallocedMemory: number;
  heapLimit: number;
  gc: Record<string, { count: number; ms: number }>;
};
const rows: Array<[string, Memory, number]> = [];
const snap = async (label: string, gc = false) => {
  const m = (await fg.memory(gc)) as Memory;
  rows.push([label, m, mb(serverRss(fg.pid))]);
  console.error(
    `${label}: rss ${mb(serverRss(fg.pid))} MB, heap ${m.usage.heapUsed}/${m.usage.heapTotal}, external ${m.usage.external}, arrayBuffers ${m.usage.arrayBuffers}, gc ${JSON.stringify(m.gc)}`,
  );
};
await snap("start");

await control({ tokens: 20, tokenDelayMs: 0, firstTokenDelayMs: 0 });
for (const key of ["run", "text", "sse", "ui"] as const) {
  const r = await runLoad({ mode: "closed", target: fg.targets[key], connections: 50, durationMs: Number(seconds) * 1000, warmupMs: 0 });
  console.error(`${key} c50: ${r.rps} req/s, errors ${r.errors}`);
}
await snap("after closed loop");
await control(REALISTIC_PACE);
for (const rate of [100, 200]) {
  const r = await runLoad({ mode: "open", target: fg.targets.text, rate, count: Number(openCount) });
  console.error(`open ${rate}/s: ${r.requests - r.errors}/${r.requests}, first token p99 ${r.firstTokenMs.p99} ms`);
  if (r.errors) console.error(`  statuses ${JSON.stringify(r.statuses)}`);
}
await snap("after open loop");
await new Promise((r) => setTimeout(r, 5000));
await snap("idle 5 s");
// V8's memory reducer shrinks the heap on its own once allocation stays low for a while.
await new Promise((r) => setTimeout(r, 25_000));
await snap("idle 30 s");
await snap("after full GC", true);

const spaces = Object.keys(rows[0]![1].spaces);
console.log(
  `| MB (heap limit ${rows[0]![1].heapLimit}) | rss | heapTotal | heapUsed | external | arrayBuffers | malloced | ${spaces.map((s) => s.replace(/_space$/, "")).join(" | ")} |`,
);
console.log(`|---|${"---:|".repeat(6 + spaces.length)}`);
for (const [label, m, rss] of rows) {
  console.log(
    `| ${label} | ${rss} | ${m.usage.heapTotal} | ${m.usage.heapUsed} | ${m.usage.external} | ${m.usage.arrayBuffers} | ${m.mallocedMemory} | ${spaces.map((s) => `${m.spaces[s]!.used}/${m.spaces[s]!.size}`).join(" | ")} |`,
  );
}

// The same RSS by kind of mapping: V8's heap and malloc arenas are anonymous, code and data files
// are not; anonymous RSS well above V8's heap total is malloc's (try MALLOC_ARENA_MAX).
const smaps = readFileSync(`/proc/${fg.pid}/smaps`, "utf8").split("\n");
const byKind = new Map<string, number>();
let kind = "";
for (const line of smaps) {
  const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
  if (head) kind = head[1] ? (head[1].startsWith("/") ? "file-backed" : head[1]) : "anonymous";
  const rss = /^Rss:\s+(\d+) kB/.exec(line);
  if (rss) byKind.set(kind, (byKind.get(kind) ?? 0) + Number(rss[1]));
}
console.log(
  `\nRSS by mapping after GC: ${[...byKind]
    .sort((a, b) => b[1] - a[1])
    .map(([k, kb]) => `${k} ${Math.round(kb / 1024)} MB`)
    .join(", ")}`,
);
process.exit(0);
