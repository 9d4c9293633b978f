import { describe, expect, it } from "vitest";
import { isId, newId, newSecret, randomAlnum } from "./ids";

describe("ids", () => {
  it("are well formed and distinct across refills of the random pool", () => {
    const seen = new Set<string>();
    // 2,000 × 24 bytes: the 4 KiB pool is refilled a dozen times.
    for (let i = 0; i < 2000; i++) {
      const id = newId.run();
      expect(isId.run(id)).toBe(true);
      seen.add(id);
    }
    expect(seen.size).toBe(2000);
    expect(newSecret.apiKey()).toMatch(/^sk_[a-z0-9]{32}$/);
  });

  it("use every character of the alphabet about equally", () => {
    const counts = new Map<string, number>();
    for (const c of randomAlnum(36_000)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(36);
    for (const n of counts.values()) expect(n).toBeGreaterThan(800); // ~1000 each
  });
});
