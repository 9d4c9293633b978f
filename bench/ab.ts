// `AB_BASE_DIR=<a built checkout> AB_DATABASE_URL_A=… AB_DATABASE_URL_B=… REDIS_URL=… npx tsx bench/ab.ts`
// Two builds side by side — A (AB_BASE_DIR, e.g. main) and B (this checkout) — against one fake
// upstream, measured in alternating short rounds so that both see the same machine load. On a
// shared 2-core machine, sequential runs of `npm run bench` minutes apart differ by 2× on their
// own; interleaving is what makes A vs B comparable. Knobs: AB_ROUNDS (3), AB_DURATION_MS (4000),
// AB_CONNECTIONS (50), AB_OPEN_COUNT (300; 0 skips the realistic-pace rounds).
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { runLoad, type LoadResult, type Target } from "./load";

const exec = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "..");
const SIDES = { A: process.env.AB_BASE_DIR!, B: ROOT };
const DB = { A: process.env.AB_DATABASE_URL_A!, B: process.env.AB_DATABASE_URL_B! };
const ROUNDS = Number(process.env.AB_ROUNDS ?? 3);
const DURATION = Number(process.env.AB_DURATION_MS ?? 4000);
const CONNS = Number(process.env.AB_CONNECTIONS ?? 50);
const OPEN = Number(process.env.AB_OPEN_COUNT ?? 300);
const children: ChildProcess[] = [];
process.on("exit", () => children.forEach((c) => c.kill("SIGKILL")));

const up = spawn(process.execPath, ["--import", "tsx", "bench/upstream.ts"], { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] });
children.push(up);
const upstream: string = await new Promise((r) => up.stdout!.once("data", (d) => r(JSON.parse(String(d)).url)));
const control = (o: object) => fetch(upstream.replace(/\/v1$/, "/__control"), { method: "POST", body: JSON.stringify(o) });

type Side = keyof typeof SIDES;
const targets: Record<Side, Record<string, Target>> = { A: {}, B: {} };
for (const side of ["A", "B"] as Side[]) {
  const dir = SIDES[side];
  const env: NodeJS.ProcessEnv = {
    ...process.env, DATABASE_URL: DB[side], FLOWGATE_DATA_DIR: mkdtempSync(path.join(tmpdir(), "fg-ab-")), OPENAI_BASE_URL: upstream,
    OPENAI_API_KEY: "bench", LOG_LEVEL: "warn", RATE_LIMIT_PER_MINUTE: "1000000000", FLOWGATE_BENCH_ROUTES: "1", NODE_ENV: "production",
  };
  const seed = JSON.parse((await exec(process.execPath, [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "--conditions=react-server", "tests/e2e/seed-e2e.ts"], { cwd: dir, env })).stdout.trim().split("\n").at(-1)!);
  const port = 3800 + Math.floor(Math.random() * 90) + (side === "A" ? 0 : 100);
  const server = spawn(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"], { cwd: dir, env, stdio: ["ignore", "ignore", "inherit"] });
  children.push(server);
  const base = `http://127.0.0.1:${port}`;
  while (!(await fetch(`${base}/api/health`).then((r) => r.ok, () => false))) await new Promise((r) => setTimeout(r, 250));
  const auth = { authorization: `Bearer ${seed.key}` };
  const body = JSON.stringify({ story: "a dog named charlie" });
  targets[side] = {
    floor: { name: "floor", method: "GET", url: `${base}/api/bench/floor` },
    pipe: { name: "pipe", method: "POST", url: `${base}/api/bench/pipe`, body: "hi", firstTokenMarker: '"content":"tok' },
    run: { name: "run", method: "POST", url: `${base}/api/v1/run/${seed.storyId}`, headers: auth, body },
    text: { name: "text", method: "POST", url: `${base}/api/v1/run/${seed.storyId}/stream`, headers: auth, body, firstTokenMarker: "tok" },
    sse: { name: "sse", method: "POST", url: `${base}/api/v1/run/${seed.storyId}/stream?protocol=sse`, headers: auth, body, firstTokenMarker: "event: chunk" },
  };
}
const direct: Target = { name: "direct", method: "POST", url: `${upstream}/chat/completions`, body: JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] }), firstTokenMarker: '"content":"tok' };

await control({ tokens: 20, tokenDelayMs: 0, firstTokenDelayMs: 0 });
for (const side of ["A", "B"] as Side[]) for (const t of Object.values(targets[side])) await runLoad({ mode: "closed", target: t, connections: 4, durationMs: 500, warmupMs: 0 });

const rows: Array<{ round: number; side: Side; target: string; r: LoadResult }> = [];
for (let round = 0; round < ROUNDS; round++) {
  // A then B in even rounds, B then A in odd ones: neither side always gets the quieter slot.
  const order: Side[] = round % 2 ? ["B", "A"] : ["A", "B"];
  await control({ tokens: 20, tokenDelayMs: 0, firstTokenDelayMs: 0 });
  for (const key of Object.keys(targets.A)) {
    for (const side of order) {
      const r = await runLoad({ mode: "closed", target: targets[side][key]!, connections: CONNS, durationMs: DURATION, warmupMs: 300 });
      rows.push({ round, side, target: key, r });
      console.error(`round ${round} ${side} ${key.padEnd(6)} ${String(r.rps).padStart(7)} req/s p50 ${r.latencyMs.p50} p99 ${r.latencyMs.p99} errors ${r.errors}`);
    }
  }
  if (OPEN > 0) {
    await control({ tokens: 50, tokenDelayMs: 20, firstTokenDelayMs: 200 });
    for (const side of order) {
      for (const key of ["direct", "text"]) {
        const t = key === "direct" ? direct : targets[side].text!;
        const r = await runLoad({ mode: "open", target: t, rate: 100, count: OPEN });
        rows.push({ round, side, target: `open ${key}`, r });
        console.error(`round ${round} ${side} open ${key.padEnd(6)} ${r.requests - r.errors}/${r.requests} first token p50 ${r.firstTokenMs.p50} p99 ${r.firstTokenMs.p99}`);
      }
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const lines = ["| target (c" + CONNS + ") | A req/s (median) | B req/s (median) | B/A | A per round | B per round |", "|---|---:|---:|---:|---|---|"];
for (const key of Object.keys(targets.A)) {
  const a = rows.filter((x) => x.side === "A" && x.target === key).map((x) => x.r.rps);
  const b = rows.filter((x) => x.side === "B" && x.target === key).map((x) => x.r.rps);
  lines.push(`| ${key} | ${median(a)} | ${median(b)} | ${(median(b) / median(a)).toFixed(2)} | ${a.join(", ")} | ${b.join(", ")} |`);
}
if (OPEN > 0) {
  lines.push("", "| realistic pace (100 streams/s, 50 × 20 ms) | completed | first-token overhead p50 (median) | p99 (median) |", "|---|---:|---:|---:|");
  for (const side of ["A", "B"] as Side[]) {
    const per = [...Array(ROUNDS).keys()].map((round) => {
      const d = rows.find((x) => x.round === round && x.side === side && x.target === "open direct")!.r;
      const t = rows.find((x) => x.round === round && x.side === side && x.target === "open text")!.r;
      return { done: t.requests - t.errors, n: t.requests, p50: t.firstTokenMs.p50 - d.firstTokenMs.p50, p99: t.firstTokenMs.p99 - d.firstTokenMs.p99 };
    });
    lines.push(`| ${side} text | ${per.map((p) => `${p.done}/${p.n}`).join(", ")} | +${median(per.map((p) => p.p50)).toFixed(1)} ms | +${median(per.map((p) => p.p99)).toFixed(1)} ms (${per.map((p) => p.p99.toFixed(0)).join(", ")}) |`);
  }
}
console.log(lines.join("\n"));
process.exit(0);
