// Heap after load: `HP_DIR=<built checkout> npx tsx bench/heap-probe.ts` — starts the server with
// --heapsnapshot-signal, runs closed-loop c50 on /stream text, then writes a snapshot and prints
// the largest constructors by retained self size.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { runLoad } from "./load";
import { startFlowgate, startUpstream } from "./servers";

const dir = process.env.HP_DIR!;
const { url, control } = await startUpstream();
await control({ tokens: 20, tokenDelayMs: 0, firstTokenDelayMs: 0 });
const fg = await startFlowgate({
  upstream: url,
  dir,
  databaseUrl: process.env.HP_DATABASE_URL,
  nodeArgs: ["--heapsnapshot-signal=SIGUSR2"],
  port: 3950,
});
for (const t of ["text", "sse", "run"] as const)
  await runLoad({ mode: "closed", target: fg.targets[t], connections: 50, durationMs: Number(process.env.HP_MS ?? 8000), warmupMs: 0 });
await new Promise((r) => setTimeout(r, 1500));
const before = new Set(readdirSync(dir));
process.kill(fg.pid, "SIGUSR2");
let file = "";
for (let i = 0; i < 120 && !file; i++) {
  await new Promise((r) => setTimeout(r, 1000));
  const f = readdirSync(dir).find((x) => x.endsWith(".heapsnapshot") && !before.has(x));
  if (f) {
    const s1 = statSync(path.join(dir, f)).size;
    await new Promise((r) => setTimeout(r, 3000));
    if (s1 > 0 && statSync(path.join(dir, f)).size === s1) file = f;
  }
}
const snap = JSON.parse(readFileSync(path.join(dir, file), "utf8"));
const m = snap.snapshot.meta;
const nf = m.node_fields.length,
  types = m.node_types[0],
  strings = snap.strings;
const [ti, ni, si] = [m.node_fields.indexOf("type"), m.node_fields.indexOf("name"), m.node_fields.indexOf("self_size")];
const agg = new Map<string, { n: number; bytes: number }>();
let total = 0;
for (let i = 0; i < snap.nodes.length; i += nf) {
  const type = types[snap.nodes[i + ti]];
  const name = type === "object" || type === "closure" ? strings[snap.nodes[i + ni]] : `(${type})`;
  const e = agg.get(name) ?? { n: 0, bytes: 0 };
  e.n++;
  e.bytes += snap.nodes[i + si];
  total += snap.nodes[i + si];
  agg.set(name, e);
}
console.log(`${file}: ${(total / 1048576).toFixed(1)} MB live`);
for (const [k, v] of [...agg].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 40))
  console.log(`${(v.bytes / 1048576).toFixed(2).padStart(8)} MB ${String(v.n).padStart(8)}  ${k.slice(0, 80)}`);
process.exit(0);
