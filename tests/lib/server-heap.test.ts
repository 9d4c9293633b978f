import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { nextNodeArgs } from "../../scripts/next-start";

// The V8 heap of a server process as `npm start` starts it (scripts/next-start.ts, heapFlags;
// bench/README.md, round 14): the young generation's semi-spaces stay between 16 and 32 MB
// (V8 reports the new space at 16 to 64 MB; without the flags, 1 to 128 MB here), through a
// memory-reducing collection too (what V8's memory reducer runs when a server idles, and what
// lib/server/idle-gc.ts runs after a burst), and an operator's NODE_OPTIONS choice replaces ours.
const probe = `
const v8 = require("node:v8");
const newSpace = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size / 1048576;
const keep = [];
for (let i = 0; i < 2000000; i++) keep.push({ i, s: "x" + i });
const grown = newSpace();
keep.length = 0;
gc({ type: "major", execution: "sync", flavor: "last-resort" });
console.log(JSON.stringify({ grown, reduced: newSpace() }));
`;

/** The flags npm start would pass with this NODE_OPTIONS, and the young generation of a process started with them. */
function youngGeneration(nodeOptions?: string) {
  const saved = process.env.NODE_OPTIONS;
  if (nodeOptions === undefined) delete process.env.NODE_OPTIONS;
  else process.env.NODE_OPTIONS = nodeOptions;
  try {
    const args = nextNodeArgs(process.cwd());
    const out = execFileSync(process.execPath, [...args, "-e", probe], { env: process.env, encoding: "utf8" });
    return { args, ...(JSON.parse(out.trim().split("\n").at(-1)!) as { grown: number; reduced: number }) };
  } finally {
    if (saved === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = saved;
  }
}

describe("the server's V8 heap flags", () => {
  it("keep the young generation between 16 and 32 MB, after a memory-reducing collection too", () => {
    const { args, grown, reduced } = youngGeneration();
    expect(args).toEqual(expect.arrayContaining(["--min-semi-space-size=16", "--max-semi-space-size=32", "--heap-growing-percent=100"]));
    expect(grown).toBeLessThanOrEqual(64);
    expect(reduced).toBeGreaterThanOrEqual(16);
  });

  it("leave the young generation to an operator's NODE_OPTIONS", () => {
    const { args, grown, reduced } = youngGeneration("--max-semi-space-size=8");
    expect(args.some((a) => a.includes("semi-space"))).toBe(false);
    expect(args).toContain("--heap-growing-percent=100");
    expect(grown).toBeLessThanOrEqual(16);
    expect(reduced).toBeLessThan(16);
  });
});
