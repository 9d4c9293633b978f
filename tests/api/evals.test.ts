import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { eq, inArray } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { sumLedger } from "@/db/queries/credits";
import { listEvalCases, listEvalResults } from "@/db/queries/evals";
import { getOrg } from "@/db/queries/orgs";
import { evalRuns, runs, workflows, type Expectation } from "@/db/schema";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { addCaseFromRun, createEvalCase, importEvalCases, removeEvalCase } from "@/lib/evals/cases";
import { check } from "@/lib/evals/expectations";
import { setRequirePassingEval } from "@/lib/evals/publish-gate";
import { forEachBounded, runEval } from "@/lib/evals/run-eval";
import { publishVersion } from "@/lib/workflows/publish-version";
import { createFixture, runPublished } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";
import { upstream } from "../setup";

// Datasets and eval runs (docs/evals.md).

afterEach(async () => (await upstream()).reset());

const contains = (value: string): Expectation => ({ type: "contains", value });

describe("expectations: each one can pass and fail", () => {
  it.each([
    { e: { type: "contains", value: "dog" }, pass: "a dog", fail: "a cat" },
    { e: { type: "contains", value: "DOG", ignore_case: true }, pass: "a dog", fail: "a cat" },
    { e: { type: "not_contains", value: "sorry" }, pass: "here you go", fail: "sorry, no" },
    { e: { type: "equals", value: "exactly this" }, pass: "exactly this", fail: "exactly this " },
    { e: { type: "regex", pattern: "^v\\d+ [a-z]+$" }, pass: "v12 dog", fail: "v dog" },
    { e: { type: "regex", pattern: "dog", ignore_case: true }, pass: "DOG!", fail: "cat" },
  ] as { e: Expectation; pass: string; fail: string }[])("$e.type $e", async ({ e, pass, fail }) => {
    expect(await check(e, pass, 5)).toMatchObject({ type: e.type, ok: true });
    expect(await check(e, fail, 5)).toMatchObject({ type: e.type, ok: false });
  });

  it("matches_output_schema: against the evaluated version's schema; none declared is a failure, not a pass", async () => {
    const schema = {
      type: "object",
      properties: { stars: { type: "integer", maximum: 5 } },
      required: ["stars"],
      additionalProperties: false,
    };
    expect(await check({ type: "matches_output_schema" }, '{"stars": 4}', 3, schema)).toMatchObject({
      ok: true,
      message: "matches the output schema",
    });
    expect(await check({ type: "matches_output_schema" }, '{"stars": 9}', 3, schema)).toMatchObject({
      ok: false,
      message: expect.stringContaining("does not match the output schema"),
    });
    expect(await check({ type: "matches_output_schema" }, "not json", 3, schema)).toMatchObject({ ok: false });
    expect(await check({ type: "matches_output_schema" }, '{"stars": 4}', 3, null)).toMatchObject({
      ok: false,
      message: "the version declares no output schema",
    });
  });

  it("max_output_tokens", async () => {
    expect(await check({ type: "max_output_tokens", value: 10 }, "x", 10)).toMatchObject({
      ok: true,
      message: "10 output tokens (at most 10)",
    });
    expect(await check({ type: "max_output_tokens", value: 10 }, "x", 11)).toMatchObject({ ok: false });
  });

  it("a regex that backtracks catastrophically elsewhere runs in linear time on RE2", async () => {
    // (a+)+$ on 50,000 a's and a "!" takes exponential time in a backtracking engine.
    expect(await check({ type: "regex", pattern: "(a+)+$" }, `${"a".repeat(50_000)}!`, 1)).toMatchObject({ ok: false });
  });

  it.each([
    {
      name: "a backreference (not RE2)",
      e: { type: "regex", pattern: "(a)\\1" },
      error: expect.stringContaining("expectations[0].pattern regex: error parsing regexp"),
    },
    { name: "a lookahead (not RE2)", e: { type: "regex", pattern: "a(?=b)" }, error: expect.stringContaining("regex:") },
    { name: "an unbalanced pattern", e: { type: "regex", pattern: "(a" }, error: expect.stringContaining("regex:") },
    {
      name: "a pattern over 500 characters",
      e: { type: "regex", pattern: "a".repeat(501) },
      error: expect.stringContaining("expectations[0].pattern"),
    },
    { name: "an unknown type", e: { type: "similar", value: "x" }, error: expect.stringContaining("expectations[0].type") },
    {
      name: "a negative token bound",
      e: { type: "max_output_tokens", value: -1 },
      error: expect.stringContaining("expectations[0].value"),
    },
  ])("a case with $name is refused when saved", async ({ e, error }) => {
    const f = await createFixture();
    await expect(
      createEvalCase({ orgId: f.orgId, workflowId: f.workflowId, input: { inputs: { story: "x" }, expectations: [e] } }),
    ).rejects.toMatchObject({ code: "invalid_request", message: error });
  });
});

describe("datasets", () => {
  it("JSONL and CSV imports: every bad line is reported with its number, and nothing is saved unless all are good", async () => {
    const f = await createFixture();
    const db = await getDb();
    const bad = [
      JSON.stringify({ inputs: { story: "a" }, expectations: [contains("a")] }),
      "{not json",
      JSON.stringify({ inputs: { story: "b" }, expectations: [] }),
      "",
      JSON.stringify({ inputs: { story: "c" }, expectations: [{ type: "regex", pattern: "(" }] }),
    ].join("\n");
    const res = await importEvalCases({ orgId: f.orgId, workflowId: f.workflowId, text: bad, format: "jsonl" });
    expect(res.imported).toBe(0);
    expect(res.errors).toEqual([
      { line: 2, error: "not valid JSON" },
      { line: 3, error: expect.stringContaining("expectations:") },
      { line: 5, error: expect.stringContaining("expectations.0.pattern: regex:") },
    ]);
    expect(await listEvalCases(db, { orgId: f.orgId, workflowId: f.workflowId, limit: 10 })).toEqual([]);

    const csv =
      'name,story,expect_contains,expect_regex,expect_max_output_tokens\n"Quoted, name",a dog,dog,,\nplain,"multi\nline ""story""",,^Write,100\n';
    expect(await importEvalCases({ orgId: f.orgId, workflowId: f.workflowId, text: csv, format: "csv" })).toEqual({
      imported: 2,
      errors: [],
    });
    const cases = await listEvalCases(db, { orgId: f.orgId, workflowId: f.workflowId, limit: 10 });
    expect(cases.map((c) => [c.name, c.inputs, c.expectations])).toEqual([
      ["Quoted, name", { story: "a dog" }, [{ type: "contains", value: "dog" }]],
      [
        "plain",
        { story: 'multi\nline "story"' },
        [
          { type: "regex", pattern: "^Write" },
          { type: "max_output_tokens", value: 100 },
        ],
      ],
    ]);
    const badCsv = "story,expect_contains\nonly one column here\nx,y,z\n";
    expect((await importEvalCases({ orgId: f.orgId, workflowId: f.workflowId, text: badCsv, format: "csv" })).errors).toEqual([
      { line: 2, error: "1 columns, the header has 2" },
      { line: 3, error: "3 columns, the header has 2" },
    ]);
  });

  it("a completed run becomes a case expecting its output; another org's run is not found", async () => {
    const f = await createFixture();
    const res = await runPublished(f, { story: "a fox" });
    const runId = (res as { run_id: string }).run_id;
    const added = await addCaseFromRun({ orgId: f.orgId, runId });
    expect(added.workflow_id).toBe(f.workflowId);
    const [c] = await listEvalCases(await getDb(), { orgId: f.orgId, workflowId: f.workflowId, limit: 10 });
    expect(c).toMatchObject({ inputs: { story: "a fox" }, expectations: [{ type: "equals", value: "Write a fox" }], sourceRunId: runId });
    const other = await createFixture();
    await expect(addCaseFromRun({ orgId: other.orgId, runId })).rejects.toMatchObject({ code: "run_not_found" });
    await expect(removeEvalCase({ orgId: other.orgId, workflowId: f.workflowId, caseId: c!.id })).rejects.toMatchObject({
      code: "not_found",
    });
  });
});

describe("eval runs", () => {
  it("runs every case as a charged `eval` run; results and totals are stored; the ledger stays exact", async () => {
    const f = await createFixture({ credits: 50_000 });
    const db = await getDb();
    const add = (inputs: Record<string, string>, expectations: Expectation[]) =>
      createEvalCase({ orgId: f.orgId, workflowId: f.workflowId, input: { inputs, expectations } });
    await add({ story: "a dog" }, [contains("dog"), { type: "regex", pattern: "^Write a \\w+$" }]);
    await add({ story: "a cat" }, [{ type: "equals", value: "Write a dog" }]);
    await add({ story: "a cow" }, [{ type: "not_contains", value: "cow" }]);
    await add({ story: "an owl" }, [{ type: "max_output_tokens", value: 1 }]);
    await add({ other: "no story" }, [contains("x")]); // cannot start: the workflow needs {{story}}
    const out = await runEval({ orgId: f.orgId, workflowId: f.workflowId, target: 1 });
    expect(out).toMatchObject({ target: "v1", status: "completed", cases: 5, passed: 1, failed: 4, ok: false });
    const results = await listEvalResults(db, out.eval_run_id);
    const ran = results.filter((r) => r.runId);
    expect(ran).toHaveLength(4);
    expect(results.find((r) => !r.runId)).toMatchObject({ passed: false, error: "Missing required parameter: story", creditsCharged: 0 });
    const runRows = await db
      .select()
      .from(runs)
      .where(
        inArray(
          runs.id,
          ran.map((r) => r.runId!),
        ),
      );
    expect(runRows.every((r) => r.source === "eval" && r.status === "completed" && r.apiKeyId === null)).toBe(true);
    const charged = runRows.reduce((n, r) => n + r.creditsCharged, 0);
    expect(charged).toBeGreaterThan(0);
    expect(out.credits_charged).toBe(charged);
    expect(ran.reduce((n, r) => n + r.creditsCharged, 0)).toBe(charged);
    const org = await getOrg(db, f.orgId);
    expect(org!.creditBalance).toBe(50_000 - charged);
    expect(await sumLedger(db, f.orgId)).toBe(org!.creditBalance);
  });

  it("at most 4 cases are in flight at once", async () => {
    const fake = await upstream();
    const f = await createFixture({ model: "openai.chat:m", template: "Q {{story}}" });
    for (let i = 0; i < 10; i++)
      await createEvalCase({
        orgId: f.orgId,
        workflowId: f.workflowId,
        input: { inputs: { story: `s${i}` }, expectations: [contains("tok")] },
      });
    let release!: () => void;
    fake.set({ hold: new Promise<void>((r) => (release = r)), tokens: 3 });
    // Only this test's calls (the fake upstream is shared with the whole suite).
    const mine = () => fake.requests.filter((r) => JSON.stringify(r.body).includes("Q s")).length;
    const done = runEval({ orgId: f.orgId, workflowId: f.workflowId, target: "draft", concurrency: 50 });
    try {
      const t0 = Date.now();
      while (mine() < 4 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300));
      expect(mine()).toBe(4);
      const running = (await (await getDb()).select().from(runs).where(eq(runs.workflowId, f.workflowId))).filter(
        (r) => r.status === "running",
      );
      expect(running).toHaveLength(4);
    } finally {
      // Held calls must never outlive the test (the drain suite counts runs in flight).
      release();
    }
    expect(await done).toMatchObject({ target: "draft", cases: 10, passed: 10, failed: 0, ok: true });
    expect(mine()).toBe(10);
    await expectLedgerEqualsBalance(f.orgId);
  });

  it("forEachBounded never exceeds its limit and runs everything", async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachBounded([...Array(25).keys()], 3, async (i) => {
      peak = Math.max(peak, ++inFlight);
      await new Promise((r) => setTimeout(r, (i * 7) % 13));
      seen.push(i);
      inFlight--;
    });
    expect(peak).toBe(3);
    expect(seen.sort((a, b) => a - b)).toEqual([...Array(25).keys()]);
  });

  it("an empty dataset, an unknown version and another org's workflow are refused", async () => {
    const f = await createFixture();
    await expect(runEval({ orgId: f.orgId, workflowId: f.workflowId, target: "draft" })).rejects.toMatchObject({
      code: "invalid_request",
      message: "The dataset is empty: add test cases first",
    });
    await createEvalCase({ orgId: f.orgId, workflowId: f.workflowId, input: { inputs: { story: "x" }, expectations: [contains("x")] } });
    await expect(runEval({ orgId: f.orgId, workflowId: f.workflowId, target: 9 })).rejects.toMatchObject({ code: "workflow_not_found" });
    const other = await createFixture();
    await expect(runEval({ orgId: other.orgId, workflowId: f.workflowId, target: "draft" })).rejects.toMatchObject({
      code: "workflow_not_found",
    });
    await expect(
      createEvalCase({ orgId: other.orgId, workflowId: f.workflowId, input: { inputs: {}, expectations: [contains("x")] } }),
    ).rejects.toMatchObject({ code: "workflow_not_found" });
  });
});

describe("the publish gate", () => {
  it("with the switch on, publishing needs a passing eval of exactly this draft", async () => {
    const f = await createFixture({ template: "Write {{story}}" });
    const db = await getDb();
    const publish = () => publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
    const c = await createEvalCase({
      orgId: f.orgId,
      workflowId: f.workflowId,
      input: { inputs: { story: "a dog" }, expectations: [contains("Tell")] },
    });
    await db.update(workflows).set({ template: "Tell {{story}}" }).where(eq(workflows.id, f.workflowId));
    await setRequirePassingEval({ orgId: f.orgId, workflowId: f.workflowId, required: true });
    const refused = { code: "invalid_request", message: expect.stringContaining("requires a passing eval of the draft") };
    await expect(publish()).rejects.toMatchObject(refused);
    // An eval of a version, or a failing eval of the draft, does not open the gate.
    expect(await runEval({ orgId: f.orgId, workflowId: f.workflowId, target: 1 })).toMatchObject({ ok: false });
    await createEvalCase({
      orgId: f.orgId,
      workflowId: f.workflowId,
      input: { inputs: { story: "a cat" }, expectations: [contains("dog")] },
    });
    expect(await runEval({ orgId: f.orgId, workflowId: f.workflowId, target: "draft" })).toMatchObject({ ok: false, passed: 1, failed: 1 });
    await expect(publish()).rejects.toMatchObject(refused);
    // All cases pass on this draft → it may be published.
    const cases = await listEvalCases(db, { orgId: f.orgId, workflowId: f.workflowId, limit: 10 });
    await removeEvalCase({ orgId: f.orgId, workflowId: f.workflowId, caseId: cases.find((x) => x.id !== c.case_id)!.id });
    expect(await runEval({ orgId: f.orgId, workflowId: f.workflowId, target: "draft" })).toMatchObject({ ok: true });
    // …but not once the draft changed after the eval.
    await db.update(workflows).set({ template: "Tell me {{story}}" }).where(eq(workflows.id, f.workflowId));
    await expect(publish()).rejects.toMatchObject(refused);
    await db.update(workflows).set({ template: "Tell {{story}}" }).where(eq(workflows.id, f.workflowId));
    expect(await publish()).toMatchObject({ version: 2 });
    // The switch off: publishing as before.
    await setRequirePassingEval({ orgId: f.orgId, workflowId: f.workflowId, required: false });
    await db.update(workflows).set({ template: "Untested {{story}}" }).where(eq(workflows.id, f.workflowId));
    expect(await publish()).toMatchObject({ version: 3 });
    expect((await db.select().from(evalRuns).where(eq(evalRuns.workflowId, f.workflowId))).length).toBe(3);
  });
});

describe("admin CLI for CI", () => {
  it("eval import + eval run: the summary, with exit_code 1 when a case fails", async () => {
    const f = await createFixture();
    const dir = mkdtempSync(path.join(tmpdir(), "fg-evals-"));
    const file = path.join(dir, "cases.jsonl");
    writeFileSync(file, `${JSON.stringify({ inputs: { story: "a dog" }, expectations: [contains("dog")] })}\n`);
    const cli = (...args: string[]) => runAdminCommand([...args, "--org", f.orgId, "--workflow", f.workflowId]);
    expect(await cli("eval", "import", "--file", file)).toEqual({ imported: 1, errors: [] });
    const ok = await cli("eval", "run");
    expect(ok).toMatchObject({ target: "draft", cases: 1, passed: 1, ok: true });
    expect(ok).not.toHaveProperty("exit_code");
    writeFileSync(file, `${JSON.stringify({ inputs: { story: "a cat" }, expectations: [contains("dog")] })}\n{oops\n`);
    expect(await cli("eval", "import", "--file", file)).toEqual({
      imported: 0,
      errors: [{ line: 2, error: "not valid JSON" }],
      exit_code: 1,
    });
    writeFileSync(file, `${JSON.stringify({ inputs: { story: "a cat" }, expectations: [contains("dog")] })}\n`);
    await cli("eval", "import", "--file", file);
    expect(await cli("eval", "run", "--version", "1")).toMatchObject({
      target: "v1",
      cases: 2,
      passed: 1,
      failed: 1,
      ok: false,
      exit_code: 1,
    });
  });
});
