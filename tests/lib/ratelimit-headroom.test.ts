import { describe, expect, it } from "vitest";
import { noteVerdict, takeHeadroom } from "@/lib/ratelimit/headroom";

// lib/ratelimit/headroom.ts: how many requests of a caller may go on before their verdict.
describe("rate-limit headroom", () => {
  const now = Date.now();
  it("half the limit is kept back: from remaining 9 of 10, four requests may overlap, then none until a new verdict", () => {
    noteVerdict("k1", { success: true, limit: 10, remaining: 9, reset: now + 60_000 });
    expect([1, 2, 3, 4, 5].map(() => takeHeadroom("k1", now))).toEqual([true, true, true, true, false]);
    noteVerdict("k1", { success: true, limit: 10, remaining: 6, reset: now + 60_000 });
    expect([1, 2].map(() => takeHeadroom("k1", now))).toEqual([true, false]);
  });

  it("nothing for a caller never seen, at or past half its limit, refused, or after its window", () => {
    expect(takeHeadroom("unknown", now)).toBe(false);
    noteVerdict("k2", { success: true, limit: 10, remaining: 5, reset: now + 60_000 });
    expect(takeHeadroom("k2", now)).toBe(false);
    noteVerdict("k3", { success: true, limit: 100, remaining: 90, reset: now + 60_000 });
    noteVerdict("k3", { success: false, limit: 100, remaining: 0, reset: now + 60_000 });
    expect(takeHeadroom("k3", now)).toBe(false);
    noteVerdict("k4", { success: true, limit: 100, remaining: 90, reset: now + 1_000 });
    expect(takeHeadroom("k4", now + 1_000)).toBe(false);
  });
});
