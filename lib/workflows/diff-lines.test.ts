import { describe, expect, it } from "vitest";
import { diffLines } from "./diff-lines";

describe("diffLines", () => {
  it("keeps common lines and marks removed and added ones in order", () => {
    expect(diffLines("a\nb\nc", "a\nx\nc\nd")).toEqual([
      { op: "same", text: "a" },
      { op: "del", text: "b" },
      { op: "add", text: "x" },
      { op: "same", text: "c" },
      { op: "add", text: "d" },
    ]);
  });
  it("identical texts are all 'same'; empty to text is all 'add' after the empty line", () => {
    expect(diffLines("x\ny", "x\ny").every((l) => l.op === "same")).toBe(true);
    expect(diffLines("", "q").map((l) => l.op)).toEqual(["del", "add"]);
  });
  it("past the cap, shows a full replacement instead of computing the table", () => {
    const d = diffLines("a\nb\nc", "a\nb\nd", 1);
    expect(d.filter((l) => l.op === "del")).toHaveLength(3);
    expect(d.filter((l) => l.op === "add")).toHaveLength(3);
  });
});
