import path from "node:path";
import { pathToFileURL } from "node:url";

/**
 * The arguments of `node` for `next start` in `root`: with the client-address preload
 * (scripts/trusted-proxy.mjs), so the app only sees X-Forwarded-For from trusted proxies, a
 * bounded young generation, and `gc` exposed for the collection after a burst (lib/server/idle-gc.ts). `nodeArgs` (profilers, a heap cap) come after ours and win.
 */
export function nextStartArgs(root: string, args: string[], nodeArgs: string[] = []): string[] {
  return [
    ...youngGeneration(), "--expose-gc", ...nodeArgs,
    "--import", pathToFileURL(path.join(root, "scripts/trusted-proxy.mjs")).href,
    path.join(root, "node_modules/next/dist/bin/next"), "start", ...args,
  ];
}

// V8 sizes the young generation from the host's memory, not from the heap cap: 2 × 64 MB on a
// 24 GB host. Under a cap such as --max-old-space-size=192 the old space then never has room to
// take a scavenge's survivors, so every collection becomes a full mark-compact (454 of them in a
// minute of bench load, realistic-pace p99 20–35 s). 32 MB keeps that cap workable
// at no measurable server CPU per request in bench/ab.ts (bench/README.md, issue 19). An operator's
// own NODE_OPTIONS choice wins.
function youngGeneration() {
  return /--max-semi-space-size/.test(process.env.NODE_OPTIONS ?? "") ? [] : ["--max-semi-space-size=32"];
}
