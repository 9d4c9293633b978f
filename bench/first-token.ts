// `npx tsx bench/first-token.ts [text|sse|ui] [rate] [count]`: where a stream's first token spends
// its time inside the server, at the realistic pace (50 tokens × 20 ms, 200 ms to the first token;
// default 100 new streams/s, 1000 streams). `next start` runs with bench/first-token-probe.mjs
// preloaded, which timestamps each request's arrival, its model call, the model's chunks and the
// first body byte written, from Node's own http objects (no hook in the app); the handler's own
// share comes from its Server-Timing header. Same setup as bench/run.ts (PostgreSQL/Redis from env).
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildIfStale } from "../scripts/build-if-stale";
import { runLoad, stats } from "./load";
import { REALISTIC_PACE, ROOT, startFlowgate, startUpstream } from "./servers";

const [target = "text", rate = "100", count = "1000"] = process.argv.slice(2);
const FIRST_TOKEN_DELAY_MS = REALISTIC_PACE.firstTokenDelayMs;

type Row = {
  url: string;
  arrived: number;
  firstWrite?: number;
  serverTiming?: string;
  calls: { sent: number; chunks: number[] }[];
};

await buildIfStale(ROOT);
const { control, url: upstream } = await startUpstream();
const file = path.join(mkdtempSync(path.join(tmpdir(), "fg-first-token-")), "rows.json");
const fg = await startFlowgate({
  upstream,
  nodeArgs: ["--import", path.join(ROOT, "bench/first-token-probe.mjs")],
  env: { FIRST_TOKEN_FILE: file },
  port: 3990 + Math.floor(Math.random() * 9),
});
const t = fg.targets[target as "text" | "sse" | "ui"];
const collect = async () => {
  fg.server.kill("SIGUSR2");
  while (!existsSync(file)) await new Promise((r) => setTimeout(r, 50));
  const rows = JSON.parse(readFileSync(file, "utf8")) as Row[];
  rmSync(file);
  return rows;
};

// Warm up (JIT, pools), then drop what the warm-up recorded.
await control({ tokens: 20, tokenDelayMs: 0, firstTokenDelayMs: 0 });
await runLoad({ mode: "closed", target: t, connections: 4, durationMs: 1000, warmupMs: 0 });
await collect();
await control(REALISTIC_PACE);
const r = await runLoad({ mode: "open", target: t, rate: Number(rate), count: Number(count) });
const rows = (await collect()).filter((row) => row.url.includes("/stream") && row.firstWrite !== undefined && row.calls.length);
await fg.stop();

// Server-Timing's sequential marks before the model call (early dispatch: it goes out after prepare).
const handlerBeforeCall = (h = "") =>
  h
    .split(", ")
    .filter((p) => /^(auth|ratelimit|prepare);dur=/.test(p) && !p.includes('desc="overlapped"'))
    .reduce((a, p) => a + Number(/dur=([\d.]+)/.exec(p)![1]), 0);
const segments: Record<string, number[]> = {
  "arrival → model call sent": [],
  "  of which Flowgate's handler (auth, rate limit, prepare)": [],
  "  of which the rest (the routing before the handler: the direct route's, or Next's for the first request; the body read)": [],
  "model call sent → chunk with the first token, beyond the model's 200 ms (the upstream, and this event loop's lag)": [],
  "that chunk → first body byte written (parse, engine, protocol, the response)": [],
  "arrival → first body byte written, beyond the model's 200 ms": [],
};
const seg = Object.values(segments);
for (const row of rows) {
  const call = row.calls.at(-1)!;
  const chunk = call.chunks.filter((c) => c <= row.firstWrite!).at(-1);
  if (chunk === undefined) continue;
  const before = call.sent - row.arrived;
  const handler = handlerBeforeCall(row.serverTiming);
  seg[0]!.push(before);
  seg[1]!.push(handler);
  seg[2]!.push(before - handler);
  seg[3]!.push(chunk - call.sent - FIRST_TOKEN_DELAY_MS);
  seg[4]!.push(row.firstWrite! - chunk);
  seg[5]!.push(row.firstWrite! - row.arrived - FIRST_TOKEN_DELAY_MS);
}
console.log(
  `\n${target}, ${rate} new streams/s: ${r.requests - r.errors}/${r.requests} completed; at the client, first-token overhead p50 +${(r.firstTokenMs.p50 - FIRST_TOKEN_DELAY_MS).toFixed(1)} ms, p99 +${(r.firstTokenMs.p99 - FIRST_TOKEN_DELAY_MS).toFixed(1)} ms\n`,
);
console.log(`| inside the server (${seg[0]!.length} streams), ms | p50 | p90 | p99 | mean |\n|---|---:|---:|---:|---:|`);
for (const [name, xs] of Object.entries(segments)) {
  const s = stats(xs);
  console.log(`| ${name} | ${s.p50.toFixed(2)} | ${s.p90.toFixed(2)} | ${s.p99.toFixed(2)} | ${s.mean.toFixed(2)} |`);
}
process.exit(0);
