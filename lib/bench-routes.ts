import { getEnv } from "@/lib/env";
import { idleCollections } from "@/lib/server/idle-gc";

// Reference routes for `npm run bench`, off unless FLOWGATE_BENCH_ROUTES=1: the framework floor
// (a trivial handler) and the bare pipe (fetch the upstream, pass its bytes through), so the
// gateway's cost can be read as a ratio against what Next itself costs on this machine.

export function benchRoutesEnabled() {
  return getEnv().FLOWGATE_BENCH_ROUTES;
}

export function floorResponse() {
  if (!benchRoutesEnabled()) return new Response(null, { status: 404 });
  return new Response("ok", { headers: { "content-type": "text/plain" } });
}

export async function pipeResponse(req: Request) {
  if (!benchRoutesEnabled()) return new Response(null, { status: 404 });
  const env = getEnv();
  const upstream = await fetch(`${env.OPENAI_BASE_URL}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${env.OPENAI_API_KEY ?? "x"}` },
    body: JSON.stringify({ model: "bench", stream: true, messages: [{ role: "user", content: (await req.text()) || "hi" }] }),
    signal: req.signal,
  });
  return new Response(upstream.body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
}

/**
 * Where the server's memory is (process.memoryUsage and V8's heap spaces), and the garbage
 * collections since the first call (count and pause time by kind), for the bench's before/after
 * figures. `?gc=1` collects first when the process runs with --expose-gc, to tell what is held
 * from what is merely not collected yet.
 */
export async function memoryResponse(req: Request) {
  if (!benchRoutesEnabled()) return new Response(null, { status: 404 });
  const gc = (globalThis as { gc?: (o: object) => void }).gc;
  // "last-resort": the collection V8 runs under memory pressure, which also gives freed pages back.
  if (gc && new URL(req.url).searchParams.get("gc") === "1") gc({ type: "major", execution: "sync", flavor: "last-resort" });
  const [v8, { PerformanceObserver, constants }] = await Promise.all([import("node:v8"), import("node:perf_hooks")]);
  const kinds: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: "minor",
    [constants.NODE_PERFORMANCE_GC_MAJOR]: "major",
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: "incremental",
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: "weakcb",
  };
  gcTotals ??= (() => {
    const totals: Record<string, { count: number; ms: number }> = {};
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = kinds[(e as { detail?: { kind?: number } }).detail?.kind ?? -1] ?? "other";
        const t = (totals[kind] ??= { count: 0, ms: 0 });
        t.count++;
        t.ms += e.duration;
      }
    }).observe({ entryTypes: ["gc"] });
    return totals;
  })();
  const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
  const usage = Object.fromEntries(Object.entries(process.memoryUsage()).map(([k, v]) => [k, mb(v)]));
  const heap = v8.getHeapStatistics();
  const spaces = Object.fromEntries(
    v8.getHeapSpaceStatistics().map((s) => [s.space_name, { size: mb(s.space_size), used: mb(s.space_used_size) }]),
  );
  const gcSince = Object.fromEntries(Object.entries(gcTotals).map(([k, t]) => [k, { count: t.count, ms: Math.round(t.ms) }]));
  return Response.json({
    usage,
    heapLimit: mb(heap.heap_size_limit),
    mallocedMemory: mb(heap.malloced_memory),
    spaces,
    gc: gcSince,
    idleCollections: idleCollections(),
  });
}
let gcTotals: Record<string, { count: number; ms: number }> | undefined;
