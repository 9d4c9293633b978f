import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { sumLedger } from "@/db/queries/credits";
import { countEvalCases, insertEvalCases, listEvalResults } from "@/db/queries/evals";
import { getOrg } from "@/db/queries/orgs";
import { evalRuns } from "@/db/schema";
import { createEvalCase, importEvalCases } from "@/lib/evals/cases";
import { regexBoundError } from "@/lib/evals/regex-bounds";
import { regexJobsSent } from "@/lib/evals/regex-pool";
import { runEval } from "@/lib/evals/run-eval";
import { newId } from "@/lib/ids";
import { createFixture, runPublished } from "../support/fixtures";

// Regex checks have a bounded cost (README "Datasets and evals"): patterns are bounded when they
// enter, compiled and matched in worker threads with a time budget, and a dataset's size limit
// holds under concurrent imports.

/** The pattern that froze an instance: 455 characters, 100,000 instructions once compiled. */
const FREEZER = `(?i)${".{1,1000}".repeat(50)}x`;

/** Deterministic text no DFA shortcut helps with: letters, spaces and some x's. */
function noise(n: number) {
  let s = "";
  let seed = 42;
  const alphabet = "abcdefghijklmnopqrstuvwxyz x";
  for (let i = 0; i < n; i++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    s += alphabet[seed % alphabet.length];
  }
  return s;
}

describe("regex bounds, from the pattern's text", () => {
  it.each([
    "^v\\d+ [a-z]+$",
    "[a-z]{1,100}",
    "\\x{41}{3}",
    "[{]{2}",
    "\\{1000}",
    "\\Q{1000}\\E",
    "(?i)(?P<n>a|b){0,100}",
    "[[:alpha:]]{100}",
  ])("accepts %s", (p) => expect(regexBoundError(p)).toBeNull());

  it.each([
    { p: FREEZER, error: "a repeat count is at most 100 (this pattern has {1,1000})" },
    { p: "a{101}", error: "a repeat count is at most 100 (this pattern has {101})" },
    { p: "(a{0,5}){2000,}", error: "a repeat count is at most 100 (this pattern has {2000,})" },
    { p: ".{1,100}".repeat(15), error: expect.stringContaining("at most 2,000") },
    { p: "((a{100}){100}){100}", error: expect.stringContaining("at most 2,000") },
  ])("refuses $p", ({ p, error }) => expect(regexBoundError(p)).toEqual(error));
});

describe("a pathological pattern is refused where it enters, before anything compiles", () => {
  it("creating a case: the issue's pattern is a 400 naming the limit", async () => {
    const f = await createFixture();
    const t0 = Date.now();
    await expect(
      createEvalCase({
        orgId: f.orgId,
        workflowId: f.workflowId,
        input: { inputs: { story: "x" }, expectations: [{ type: "regex", pattern: FREEZER }] },
      }),
    ).rejects.toMatchObject({
      code: "invalid_request",
      status: 400,
      message: "expectations[0].pattern regex: a repeat count is at most 100 (this pattern has {1,1000})",
    });
    await expect(
      createEvalCase({
        orgId: f.orgId,
        workflowId: f.workflowId,
        input: { inputs: { story: "x" }, expectations: [{ type: "regex", pattern: ".{1,100}".repeat(15) }] },
      }),
    ).rejects.toMatchObject({
      code: "invalid_request",
      message: expect.stringMatching(/^expectations\[0\]\.pattern regex: the pattern compiles to about [\d,]+ instructions, at most 2,000/),
    });
    // Seconds of compiling on the request's thread before.
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(await countEvalCases(await getDb(), { orgId: f.orgId, workflowId: f.workflowId })).toBe(0);
  });

  it("an import of many such lines: another org's workflow is a 404 at once, compiling nothing; the owner gets every line's limit", async () => {
    const f = await createFixture();
    const other = await createFixture();
    const line = JSON.stringify({
      inputs: { story: "x" },
      expectations: Array.from({ length: 20 }, () => ({ type: "regex", pattern: FREEZER })),
    });
    const good = JSON.stringify({ inputs: { story: "x" }, expectations: [{ type: "regex", pattern: "^Write" }] });
    const text = [...Array.from({ length: 100 }, () => line), good].join("\n");
    const jobs = regexJobsSent();
    const t0 = Date.now();
    await expect(importEvalCases({ orgId: other.orgId, workflowId: f.workflowId, text, format: "jsonl" })).rejects.toMatchObject({
      code: "workflow_not_found",
      status: 404,
    });
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(regexJobsSent()).toBe(jobs);

    const t1 = Date.now();
    const res = await importEvalCases({ orgId: f.orgId, workflowId: f.workflowId, text, format: "jsonl" });
    expect(Date.now() - t1).toBeLessThan(3_000);
    expect(res.imported).toBe(0);
    expect(res.errors).toHaveLength(100);
    expect(res.errors[0]).toEqual({
      line: 1,
      error: "expectations.0.pattern: regex: a repeat count is at most 100 (this pattern has {1,1000})",
    });
    expect(await countEvalCases(await getDb(), { orgId: f.orgId, workflowId: f.workflowId })).toBe(0);
  });

  it("an eval of a dataset holding such a pattern (saved before the bounds) is a 400 naming the case, and runs nothing", async () => {
    const f = await createFixture();
    const db = await getDb();
    const id = newId.evalCase();
    await insertEvalCases(db, [
      {
        id,
        orgId: f.orgId,
        workflowId: f.workflowId,
        name: "old",
        inputs: { story: "x" },
        expectations: [{ type: "regex", pattern: FREEZER }],
      },
    ]);
    const before = (await getOrg(db, f.orgId))!.creditBalance;
    await expect(runEval({ orgId: f.orgId, workflowId: f.workflowId, target: "draft" })).rejects.toMatchObject({
      code: "invalid_request",
      message: `Case "old" (${id}): expectations[0].pattern regex: a repeat count is at most 100 (this pattern has {1,1000})`,
    });
    expect(await db.select().from(evalRuns).where(eq(evalRuns.workflowId, f.workflowId))).toEqual([]);
    expect((await getOrg(db, f.orgId))!.creditBalance).toBe(before);
  });
});

describe("matching runs in a worker with a time budget", () => {
  it("a match over the budget fails its case with the reason while the process keeps answering; the next check works", async () => {
    const f = await createFixture({ credits: 1_000_000, maxOutputTokens: 40_000, template: "Write {{a}}{{b}}{{c}}{{d}}" });
    // Within the bounds (≈2,000 instructions), yet seconds to match against 76,000 characters.
    const slow = `(?i)${".{1,100}".repeat(10)}x!`;
    expect(regexBoundError(slow)).toBeNull();
    const text = noise(19_000);
    const slowCase = await createEvalCase({
      orgId: f.orgId,
      workflowId: f.workflowId,
      input: {
        name: "slow",
        inputs: { a: text, b: text, c: text, d: text },
        expectations: [
          { type: "regex", pattern: slow },
          { type: "contains", value: "Write" },
        ],
      },
    });
    const fastCase = await createEvalCase({
      orgId: f.orgId,
      workflowId: f.workflowId,
      input: { name: "fast", inputs: { a: "a", b: " ", c: "dog", d: "!" }, expectations: [{ type: "regex", pattern: "^Write a \\w+!$" }] },
    });

    // The event loop's worst delay while the eval runs: a blocked thread shows as one long gap.
    let worstLag = 0;
    let last = Date.now();
    const tick = setInterval(() => {
      const now = Date.now();
      worstLag = Math.max(worstLag, now - last - 20);
      last = now;
    }, 20);
    try {
      let evalDone = 0;
      const evaluation = runEval({ orgId: f.orgId, workflowId: f.workflowId, target: "draft", concurrency: 1 }).then(
        (r) => ((evalDone = Date.now()), r),
      );
      // A request to the same process while the slow match is in the worker.
      await new Promise((r) => setTimeout(r, 300));
      const res = await runPublished(f, { a: "mean", b: "-", c: "while", d: "." });
      const answered = Date.now();
      expect(res).toMatchObject({ result: "Write mean-while." });
      const out = await evaluation;
      expect(answered).toBeLessThan(evalDone);
      // Generous: the old code blocked the thread for seconds here.
      expect(worstLag).toBeLessThan(1_500);

      expect(out).toMatchObject({ status: "completed", cases: 2, passed: 1, failed: 1 });
      const results = await listEvalResults(await getDb(), out.eval_run_id);
      expect(results.find((r) => r.caseId === slowCase.case_id)).toMatchObject({
        passed: false,
        checks: [
          {
            type: "regex",
            ok: false,
            message: expect.stringContaining("matching took longer than 1000 ms (the time budget of a regex check)"),
          },
          { type: "contains", ok: true },
        ],
      });
      expect(results.find((r) => r.caseId === fastCase.case_id)).toMatchObject({ passed: true, checks: [{ type: "regex", ok: true }] });
    } finally {
      clearInterval(tick);
    }
  });
});

describe("the dataset limit holds under concurrent imports", () => {
  it("5 concurrent imports of 400 cases: one succeeds, the others are refused, 400 cases in all", async () => {
    const f = await createFixture();
    const text = Array.from({ length: 400 }, (_, i) =>
      JSON.stringify({ inputs: { story: `s${i}` }, expectations: [{ type: "contains", value: "s" }] }),
    ).join("\n");
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => importEvalCases({ orgId: f.orgId, workflowId: f.workflowId, text, format: "jsonl" })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toEqual([{ status: "fulfilled", value: { imported: 400, errors: [] } }]);
    for (const r of results.filter((r) => r.status === "rejected")) {
      expect((r as PromiseRejectedResult).reason).toMatchObject({
        code: "invalid_request",
        message: expect.stringMatching(/^A dataset holds at most 500 cases \(it has \d+, adding 400\)$/),
      });
    }
    expect(await countEvalCases(await getDb(), { orgId: f.orgId, workflowId: f.workflowId })).toBe(400);
    expect(await sumLedger(await getDb(), f.orgId)).toBe((await getOrg(await getDb(), f.orgId))!.creditBalance);
  });

  it("concurrent single cases stop at the limit exactly", async () => {
    const f = await createFixture();
    const text = Array.from({ length: 495 }, (_, i) =>
      JSON.stringify({ inputs: { story: `s${i}` }, expectations: [{ type: "contains", value: "s" }] }),
    ).join("\n");
    await importEvalCases({ orgId: f.orgId, workflowId: f.workflowId, text, format: "jsonl" });
    const results = await Promise.allSettled(
      Array.from({ length: 12 }, (_, i) =>
        createEvalCase({
          orgId: f.orgId,
          workflowId: f.workflowId,
          input: { inputs: { story: `c${i}` }, expectations: [{ type: "contains", value: "c" }] },
        }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(5);
    expect(await countEvalCases(await getDb(), { orgId: f.orgId, workflowId: f.workflowId })).toBe(500);
  });
});
