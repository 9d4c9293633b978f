// Preloaded into every process of a bench (`NODE_OPTIONS="--import ./bench/stall-probe.mjs" npm
// run bench`): when each process's event loop stalled and when V8 collected, on the wall clock, so
// that a slow second of a load phase can be laid beside what every process (the server, the peer,
// the upstream, the load) was doing at that moment. Appends one JSON line per event to
// $STALL_DIR/<pid>.jsonl (default /tmp/fg-stalls): a loop turn late by more than 10 ms, and every
// collection longer than 4 ms with its kind. `npx tsx bench/stalls.ts FROM TO` lists them
// (bench/README.md, round 14).
import { appendFileSync, mkdirSync } from "node:fs";
import { PerformanceObserver, constants, performance } from "node:perf_hooks";

const dir = process.env.STALL_DIR ?? "/tmp/fg-stalls";
mkdirSync(dir, { recursive: true });
const who = [process.argv[1] ?? "", ...process.argv.slice(2)].join(" ").slice(-80);
const KIND = {
  [constants.NODE_PERFORMANCE_GC_MINOR]: "scavenge",
  [constants.NODE_PERFORMANCE_GC_MAJOR]: "full collection",
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental marking",
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weak callbacks",
};
const events = [];
const at = (t) => Math.round((performance.timeOrigin + t) * 10) / 10;

new PerformanceObserver((list) => {
  for (const e of list.getEntries())
    if (e.duration > 4)
      events.push({ at: at(e.startTime), ms: +e.duration.toFixed(1), what: KIND[e.detail?.kind] ?? `gc ${e.detail?.kind}` });
}).observe({ entryTypes: ["gc"] });

const TICK = 10;
let last = performance.now();
setInterval(() => {
  const now = performance.now();
  if (now - last - TICK > 10) events.push({ at: at(last + TICK), ms: +(now - last - TICK).toFixed(1), what: "loop stalled" });
  last = now;
}, TICK).unref();

const flush = () => {
  if (events.length)
    appendFileSync(
      `${dir}/${process.pid}.jsonl`,
      events
        .splice(0)
        .map((e) => JSON.stringify({ ...e, pid: process.pid, who }))
        .join("\n") + "\n",
    );
};
setInterval(flush, 1000).unref();
process.on("exit", flush);
