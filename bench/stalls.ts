// `npx tsx bench/stalls.ts FROM TO [dir]`: the events bench/stall-probe.mjs recorded between two
// wall-clock times (ISO, or HH:MM:SS.mmm of today in UTC), every process's in one timeline;
// scavenges are left out (a few milliseconds each, several a second: they would bury the rest).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const [from, to, dir = process.env.STALL_DIR ?? "/tmp/fg-stalls"] = process.argv.slice(2);
if (!from || !to) throw new Error("usage: bench/stalls.ts FROM TO [dir]");
const time = (s: string) => Date.parse(s.includes("T") ? s : `${new Date().toISOString().slice(0, 10)}T${s}Z`);
const [lo, hi] = [time(from), time(to)];
type Event = { at: number; ms: number; what: string; pid: number; who: string };
const events = readdirSync(dir)
  .filter((f) => f.endsWith(".jsonl"))
  .flatMap((f) =>
    readFileSync(path.join(dir, f), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Event),
  )
  .filter((e) => e.at >= lo && e.at <= hi && e.what !== "scavenge")
  .sort((a, b) => a.at - b.at);
for (const e of events)
  console.log(
    `${new Date(e.at).toISOString().slice(11, 23)}  ${String(e.ms).padStart(6)} ms  ${e.what.padEnd(20)} ${e.pid} ${e.who.slice(-50)}`,
  );
