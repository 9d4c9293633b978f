// `AB_BASE_DIR=<a built checkout> [AB_B_DIR=<another>] AB_DATABASE_URL_A=… AB_DATABASE_URL_B=… REDIS_URL=… npx tsx bench/ab.ts`
// Two servers side by side — A (AB_BASE_DIR, e.g. main; this checkout when unset) and B (this
// checkout), each with its own node flags (AB_ARGS_A, AB_ARGS_B: e.g. a heap size) — against one
// fake upstream, measured in alternating short rounds so that both see the same machine load. On a
// shared 2-core machine, sequential runs of `npm run bench` minutes apart differ by 2× on their
// own; interleaving is what makes A vs B comparable. Knobs: AB_ROUNDS (3), AB_DURATION_MS (4000),
// AB_CONNECTIONS (50), AB_OPEN_COUNT (300; 0 skips the realistic-pace rounds), AB_OPEN_RATE (100), AB_OPEN_PATH (text).
import { loadavg } from "node:os";
import { runLoad, type LoadResult, type Target } from "./load";
import { REALISTIC_PACE, ROOT, directTarget, mb, serverCpu, serverRss, startFlowgate, startUpstream, storesCpu } from "./servers";

const SIDES = { A: process.env.AB_BASE_DIR ?? ROOT, B: process.env.AB_B_DIR ?? ROOT };
const ARGS = { A: (process.env.AB_ARGS_A ?? "").split(" ").filter(Boolean), B: (process.env.AB_ARGS_B ?? "").split(" ").filter(Boolean) };
const DB = { A: process.env.AB_DATABASE_URL_A!, B: process.env.AB_DATABASE_URL_B! };
// AB_ENV_A / AB_ENV_B: more environment for each side's server ("K=V K2=V2"), e.g. a setting's two values on one build.
const envOf = (v = "") =>
  Object.fromEntries(
    v
      .split(" ")
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
  );
const ENV = { A: envOf(process.env.AB_ENV_A), B: envOf(process.env.AB_ENV_B) };
const ROUNDS = Number(process.env.AB_ROUNDS ?? 3);
const DURATION = Number(process.env.AB_DURATION_MS ?? 4000);
const CONNS = Number(process.env.AB_CONNECTIONS ?? 50);
const OPEN = Number(process.env.AB_OPEN_COUNT ?? 300);
const RATE = Number(process.env.AB_OPEN_RATE ?? 100);
// AB_TARGETS: the closed-loop targets to measure (comma-separated; empty measures none, e.g. for a
// bisect on the realistic-pace rounds alone).
const TARGETS = (process.env.AB_TARGETS ?? "floor,pipe,run,text,sse").split(",").filter(Boolean);
// AB_OPEN_PATH: the stream path of the realistic-pace rounds (text, or sse).
const OPEN_PATH = process.env.AB_OPEN_PATH ?? "text";
if (!["text", "sse"].includes(OPEN_PATH)) throw new Error(`AB_OPEN_PATH must be text or sse, got ${OPEN_PATH}`);
const { url: upstream, control } = await startUpstream();

type Side = keyof typeof SIDES;
const targets: Record<Side, Record<string, Target>> = { A: {}, B: {} };
const pids = { A: 0, B: 0 };
// GC counts from /api/bench/memory where the build has it (its observer starts at the first call).
const gcOf: Record<Side, () => Promise<Record<string, { count: number; ms: number }> | undefined>> = {
  A: async () => undefined,
  B: async () => undefined,
};
const rssStart = { A: 0, B: 0 };
for (const side of ["A", "B"] as Side[]) {
  const fg = await startFlowgate({
    upstream,
    dir: SIDES[side],
    databaseUrl: DB[side],
    nodeArgs: ARGS[side],
    env: ENV[side],
    port: 3800 + Math.floor(Math.random() * 90) + (side === "A" ? 0 : 100),
  });
  const { floor, pipe, run, text, sse } = fg.targets;
  targets[side] = Object.fromEntries(
    Object.entries({ floor, pipe, run, text, sse }).filter(([k]) => TARGETS.includes(k) || k === OPEN_PATH),
  );
  pids[side] = fg.pid;
  gcOf[side] = () =>
    fg.memory().then(
      (m) => m.gc,
      () => undefined,
    );
  rssStart[side] = mb(serverRss(fg.pid));
}
const direct: Target = directTarget(upstream, "direct");

await control({ tokens: 20, tokenDelayMs: 0, firstTokenDelayMs: 0 });
for (const side of ["A", "B"] as Side[])
  for (const t of Object.values(targets[side])) await runLoad({ mode: "closed", target: t, connections: 4, durationMs: 500, warmupMs: 0 });

// Server CPU per request alongside the rates: on a busy machine req/s and latency move with the
// neighbours' load, the CPU a request costs the server much less so.
await Promise.all([gcOf.A(), gcOf.B()]);
const rows: Array<{ round: number; side: Side; target: string; r: LoadResult; cpuMs: number; storesMs: number }> = [];
// PostgreSQL and Redis serve both sides, but one side at a time: their CPU over a side's round is that side's.
const measured = async (side: Side, spec: Parameters<typeof runLoad>[0]) => {
  const before = serverCpu(pids[side]);
  const stores = storesCpu();
  const r = await runLoad(spec);
  const perRequest = (s: number) => Math.round((s * 1e4) / Math.max(1, r.requests)) / 10;
  return { r, cpuMs: perRequest(serverCpu(pids[side]) - before), storesMs: perRequest(storesCpu() - stores) };
};
for (let round = 0; round < ROUNDS; round++) {
  // A then B in even rounds, B then A in odd ones: neither side always gets the quieter slot.
  const order: Side[] = round % 2 ? ["B", "A"] : ["A", "B"];
  await control({ tokens: 20, tokenDelayMs: 0, firstTokenDelayMs: 0 });
  for (const key of TARGETS) {
    for (const side of order) {
      // Warm-up requests cost CPU too but are not counted: the same share on both sides.
      const { r, cpuMs, storesMs } = await measured(side, {
        mode: "closed",
        target: targets[side][key]!,
        connections: CONNS,
        durationMs: DURATION,
        warmupMs: 300,
      });
      rows.push({ round, side, target: key, r, cpuMs, storesMs });
      console.error(
        `round ${round} ${side} ${key.padEnd(6)} ${String(r.rps).padStart(7)} req/s p50 ${r.latencyMs.p50} p99 ${r.latencyMs.p99} errors ${r.errors} cpu ${cpuMs} ms/req`,
      );
    }
  }
  if (OPEN > 0) {
    await control(REALISTIC_PACE);
    for (const side of order) {
      for (const key of ["direct", OPEN_PATH]) {
        const t = key === "direct" ? direct : targets[side][OPEN_PATH]!;
        const { r, cpuMs, storesMs } = await measured(side, { mode: "open", target: t, rate: RATE, count: OPEN });
        rows.push({ round, side, target: `open ${key}`, r, cpuMs, storesMs });
        console.error(
          `round ${round} ${side} open ${key.padEnd(6)} ${r.requests - r.errors}/${r.requests} first token p50 ${r.firstTokenMs.p50} p99 ${r.firstTokenMs.p99}${r.errors ? ` statuses ${JSON.stringify(r.statuses)}${r.failures ? ` failures ${JSON.stringify(r.failures)}` : ""}` : ""}`,
        );
      }
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const lines = [
  `A: ${SIDES.A} ${ARGS.A.join(" ")}; B: ${SIDES.B} ${ARGS.B.join(" ")}; load average ${loadavg()
    .map((x) => x.toFixed(2))
    .join(", ")} (1, 5, 15 min)`,
  "",
  "| target (c" + CONNS + ") | A req/s (median) | B req/s (median) | B/A | A per round | B per round | A CPU ms/req | B CPU ms/req | B/A |",
  "|---|---:|---:|---:|---|---|---:|---:|---:|",
];
for (const key of TARGETS) {
  const of = (side: Side) => rows.filter((x) => x.side === side && x.target === key);
  const [a, b] = [of("A").map((x) => x.r.rps), of("B").map((x) => x.r.rps)];
  const [ca, cb] = [median(of("A").map((x) => x.cpuMs)), median(of("B").map((x) => x.cpuMs))];
  lines.push(
    `| ${key} | ${median(a)} | ${median(b)} | ${(median(b) / median(a)).toFixed(2)} | ${a.join(", ")} | ${b.join(", ")} | ${ca} | ${cb} | ${(cb / ca).toFixed(2)} |`,
  );
}
if (OPEN > 0) {
  lines.push(
    "",
    `| realistic pace (${RATE} streams/s, 50 × 20 ms) | completed | first-token overhead p50 (median) | p99 (median) | server CPU ms/stream (median) | PostgreSQL + Redis CPU ms/stream (median) |`,
    "|---|---:|---:|---:|---:|---:|",
  );
  for (const side of ["A", "B"] as Side[]) {
    const per = [...Array(ROUNDS).keys()].map((round) => {
      const d = rows.find((x) => x.round === round && x.side === side && x.target === "open direct")!.r;
      const { r: t, cpuMs, storesMs } = rows.find((x) => x.round === round && x.side === side && x.target === `open ${OPEN_PATH}`)!;
      return {
        done: t.requests - t.errors,
        n: t.requests,
        p50: t.firstTokenMs.p50 - d.firstTokenMs.p50,
        p99: t.firstTokenMs.p99 - d.firstTokenMs.p99,
        cpuMs,
        storesMs,
      };
    });
    lines.push(
      `| ${side} ${OPEN_PATH} | ${per.map((p) => `${p.done}/${p.n}`).join(", ")} | +${median(per.map((p) => p.p50)).toFixed(1)} ms | +${median(per.map((p) => p.p99)).toFixed(1)} ms (${per.map((p) => p.p99.toFixed(0)).join(", ")}) | ${median(per.map((p) => p.cpuMs))} | ${median(per.map((p) => p.storesMs))} |`,
    );
  }
}
await new Promise((r) => setTimeout(r, 1000));
lines.push("", "| server RSS, MB | at start | after the rounds | after / start | GC during the rounds |", "|---|---:|---:|---:|---|");
for (const side of ["A", "B"] as Side[]) {
  const after = mb(serverRss(pids[side]));
  const gc = await gcOf[side]();
  lines.push(
    `| ${side} | ${rssStart[side]} | ${after} | ${(after / rssStart[side]).toFixed(2)} | ${
      gc
        ? Object.entries(gc)
            .map(([k, t]) => `${k} ${t.count}× ${t.ms} ms`)
            .join(", ")
        : "–"
    } |`,
  );
}
console.log(lines.join("\n"));
process.exit(0);
