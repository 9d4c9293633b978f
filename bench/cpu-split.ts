// `npx tsx bench/cpu-split.ts`: the machine's CPU per request, by process, under closed-loop load
// (c50, 20-token streams at 0 ms) on each target in CPU_SPLIT_TARGETS (default `pipe,text`): the
// server, each PostgreSQL process by kind (backends, WAL writer, checkpointer …), Redis, the
// upstream and the load generator, from /proc/<pid>/stat before and after each 6-s round — and
// the machine's busy time. On a machine the load saturates, req/s is 1000 × cores / (machine ms
// per request): this says where those milliseconds go, the gateway's own neighbours included.
// CPU_SPLIT_ENV ("K=V K2=V2") adds to the server's environment; CPU_SPLIT_ROUNDS (2).
import { readdirSync, readFileSync } from "node:fs";
import { runLoad } from "./load";
import { startFlowgate, startUpstream, treePids } from "./servers";

const env = Object.fromEntries(
  (process.env.CPU_SPLIT_ENV ?? "")
    .split(" ")
    .filter(Boolean)
    .map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]),
);
const targets = (process.env.CPU_SPLIT_TARGETS ?? "pipe,text").split(",") as Array<"pipe" | "text" | "sse" | "run">;
const { url: upstream, control } = await startUpstream();
const fg = await startFlowgate({ upstream, databaseUrl: process.env.DATABASE_URL, port: 3700 + Math.floor(Math.random() * 90), env });
const server = new Set(treePids(fg.pid));

const read = (file: string) => {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
};
/** user + system clock ticks (1/100 s) of a process. */
const ticks = (pid: number) => {
  const s = read(`/proc/${pid}/stat`).split(") ")[1]?.split(" ") ?? [];
  return Number(s[11] ?? 0) + Number(s[12] ?? 0);
};
const kindOf = (pid: number) => {
  if (server.has(pid)) return "server";
  if (pid === process.pid) return "load generator";
  const comm = read(`/proc/${pid}/comm`).trim();
  if (comm.startsWith("postgres")) {
    const m = /postgres: (?:\d+\/\w+: )?(\S+)/.exec(read(`/proc/${pid}/cmdline`).replace(/\0/g, " "));
    return `postgres ${m?.[1] === "postgres" ? "backends" : (m?.[1] ?? "main")}`;
  }
  if (comm.startsWith("redis")) return "redis";
  if (comm === "node" || comm === "MainThread") return "other node (the upstream)";
  return "other";
};
const snapshot = () => {
  const by = new Map<string, number>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    const k = kindOf(Number(d));
    by.set(k, (by.get(k) ?? 0) + ticks(Number(d)));
  }
  const cpu = read("/proc/stat").split("\n")[0]!.split(/\s+/).slice(1).map(Number);
  // user, nice, system, irq, softirq (idle and iowait left out)
  by.set("machine (busy)", cpu[0]! + cpu[1]! + cpu[2]! + cpu[5]! + cpu[6]!);
  return by;
};

await control({ tokens: 20, tokenDelayMs: 0, firstTokenDelayMs: 0 });
for (const t of targets) await runLoad({ mode: "closed", target: fg.targets[t], connections: 8, durationMs: 1500, warmupMs: 0 });
for (let round = 0; round < Number(process.env.CPU_SPLIT_ROUNDS ?? 2); round++)
  for (const t of targets) {
    const before = snapshot();
    const r = await runLoad({ mode: "closed", target: fg.targets[t], connections: 50, durationMs: 6000, warmupMs: 0 });
    const after = snapshot();
    const parts = [...after]
      .map(([k, v]) => [k, ((v - (before.get(k) ?? 0)) * 10) / Math.max(1, r.requests)] as const)
      .filter(([, ms]) => ms >= 0.01)
      .map(([k, ms]) => `${k} ${ms.toFixed(2)}`);
    console.log(`${fg.targets[t].name} c50: ${r.rps} req/s, errors ${r.errors}; CPU ms per request: ${parts.join(", ")}`);
  }
await fg.stop();
process.exit(0);
