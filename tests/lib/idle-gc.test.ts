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

  it("measures the heap V8 holds, not the heap in use: pages a load left behind its own collections are given back", async () => {
    // Far above this process's own heap, whatever the earlier tests left as the last collection's.
    const GB = 1024 * 1024 * 1024;
    let held = 40 * GB;
    const usage = vi.spyOn(process, "memoryUsage").mockImplementation(() => ({
      rss: held + GB,
      heapTotal: held,
      heapUsed: GB, // the load's own collections keep this where it started
      external: 0,
      arrayBuffers: 0,
    }));
    gc.mockImplementation(() => (held = 20 * GB)); // compacted: the pages go back
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    const burst = async (name: string) => {
      registerRun(name, "org_x", () => {}).done();
      await Promise.resolve();
      vi.advanceTimersByTime(150);
    };
    try {
      gc.mockClear();
      await burst("run_held_a");
      expect(gc).toHaveBeenCalledTimes(1); // collected: 20 GB left
      held = 25 * GB; // a quarter more held, the same in use
      await burst("run_held_b");
      expect(gc).toHaveBeenCalledTimes(2);
      held = 24 * GB; // less than a quarter more than the 20 GB left
      await burst("run_held_c");
      expect(gc).toHaveBeenCalledTimes(2);
    } finally {
      vi.useRealTimers();
      usage.mockRestore();
      gc.mockReset();
    }
  });
});
