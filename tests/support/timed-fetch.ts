import { Worker } from "node:worker_threads";

/** One read of a response body: when its bytes arrived (ms since the request was sent) and their text. */
export type TimedRead = { at: number; text: string };

// The reader runs on a thread of its own. The test's server (tests/support/serve.ts) shares the
// test's thread, and its work between two writes (a run's settlement, PGlite's synchronous queries)
// would otherwise delay the read of one chunk and merge it with the next: the times would be the
// server's busy spells, not the gaps it left between its writes.
const READER = `
const { parentPort, workerData } = require("node:worker_threads");
(async () => {
  const t0 = performance.now();
  const res = await fetch(workerData.url, workerData.init);
  const reads = [];
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    reads.push({ at: performance.now() - t0, text: decoder.decode(value, { stream: true }) });
  }
  parentPort.postMessage({ status: res.status, headers: Object.fromEntries(res.headers), reads });
})().catch((e) => parentPort.postMessage({ error: String((e && e.stack) || e) }));
`;

/** fetch() with its body read on another thread, each read timed as it arrives. */
export function timedFetch(
  url: string,
  init: { method: string; headers: Record<string, string>; body: string },
): Promise<{ status: number; headers: Record<string, string>; reads: TimedRead[] }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(READER, { eval: true, workerData: { url, init } });
    worker.once("message", (m) => {
      void worker.terminate();
      if (m.error) reject(new Error(m.error));
      else resolve(m);
    });
    worker.once("error", reject);
  });
}
