import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { registerRun } from "@/lib/runs/active-runs";
import { configureIdleGc, idleCollections, startIdleGc } from "@/lib/server/idle-gc";

// After a burst, the process gives its heap back once it has run nothing for a while
// (lib/server/idle-gc.ts): one full collection, never while a run is going, never twice for a heap
// that has not grown since.

const g = globalThis as { gc?: unknown };
const original = g.gc;
const gc = vi.fn();
beforeAll(() => {
  g.gc = gc;
  startIdleGc(); // as the server start does
  configureIdleGc({ idleMs: 100, floorBytes: 1 });
});
afterAll(() => {
  g.gc = original;
  configureIdleGc({ idleMs: 2000, floorBytes: 128 * 1024 * 1024 });
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("idle collection", () => {
  it("collects once the last run has ended and nothing started for the idle time; a run in between postpones it", async () => {
    gc.mockClear();
    const before = idleCollections();
    const a = registerRun("run_idle_a", "org_x", () => {});
    const b = registerRun("run_idle_b", "org_x", () => {});
    a.done();
    await sleep(200);
    expect(gc).not.toHaveBeenCalled(); // b still runs
    b.done();
    await sleep(50);
    const c = registerRun("run_idle_c", "org_x", () => {}); // a new run within the idle time
    await sleep(150);
    expect(gc).not.toHaveBeenCalled();
    c.done();
    await sleep(200);
    expect(gc).toHaveBeenCalledTimes(1);
    expect(gc).toHaveBeenCalledWith({ type: "major", execution: "sync", flavor: "last-resort" });
    expect(idleCollections()).toBe(before + 1);
  });

  it("does not collect again while the heap has not grown by a quarter since the last collection", async () => {
    gc.mockClear();
    // The previous test's collection left the heap at about what it is now.
    registerRun("run_idle_d", "org_x", () => {}).done();
    await sleep(200);
    expect(gc).not.toHaveBeenCalled();
  });
});
