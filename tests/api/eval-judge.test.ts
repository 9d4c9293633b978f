import { readFileSync } from "node:fs";
import { inArray } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { sumLedger } from "@/db/queries/credits";
import { listEvalCases, listEvalResults } from "@/db/queries/evals";
import { getOrg } from "@/db/queries/orgs";
import { runs, type Expectation } from "@/db/schema";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { createEvalCase, importEvalCases } from "@/lib/evals/cases";
import { JUDGE_OUTPUT_SCHEMA, JUDGE_PROMPT_VERSION, JUDGE_SYSTEM, JUDGE_TEMPLATE, setJudgeModel } from "@/lib/evals/judge";
import { runEval } from "@/lib/evals/run-eval";
import { createFixture } from "../support/fixtures";
import { upstream } from "../setup";

// The `judge` expectation (README "Datasets and evals", docs/evals.md): a model grades the output
// against a rubric with structured output; its call is a charged `eval` run.

afterEach(async () => (await upstream()).reset());

const judge = (o: Partial<Extract<Expectation, { type: "judge" }>> = {}): Expectation => ({
  type: "judge",
  rubric: "The story is about the animal asked for",
  pass_score: 0.7,
  model: "openai.chat:judge-m",
  ...o,
});

/** The stand-in judge: a dog in the graded output scores 0.9, anything else 0.2. */
const dogJudge = (prompt: string) =>
  /<output>\n[^<]*dog/.test(prompt) ? { score: 0.9, reason: "it is about a dog" } : { score: 0.2, reason: "no dog in it" };

describe("judge expectations are bounded when saved", () => {
  it.each([
    {
      name: "a rubric over 2,000 characters",
      e: judge({ rubric: "x".repeat(2_001) }),
      error: "expectations[0].rubric must be at most 2,000 characters",
    },
    { name: "a pass score over 1", e: judge({ pass_score: 1.5 }), error: "expectations[0].pass_score must be between 0 and 1" },
    {
      name: "a model that is not provider:model",
      e: judge({ model: "gpt" }),
      error: "expectations[0].model must be <provider>:<model>, e.g. openai:gpt-4o-mini",
    },
    { name: "no pass score", e: { type: "judge", rubric: "r" }, error: expect.stringContaining("expectations[0].pass_score") },
  ])("$name is a 400", async ({ e, error }) => {
    const f = await createFixture();
    await expect(
      createEvalCase({ orgId: f.orgId, workflowId: f.workflowId, input: { inputs: { story: "x" }, expectations: [e] } }),
    ).rejects.toMatchObject({ code: "invalid_request", status: 400, message: error });
  });

  it("at most 5 judges a case", async () => {
    const f = await createFixture();
    await expect(
      createEvalCase({
        orgId: f.orgId,
        workflowId: f.workflowId,
        input: { inputs: { story: "x" }, expectations: Array.from({ length: 6 }, () => judge()) },
      }),
    ).rejects.toMatchObject({
      code: "invalid_request",
      message: "expectations at most 5 judge checks a case (each is a charged model call)",
    });
  });

  it("CSV: expect_judge with judge_pass_score and judge_model", async () => {
    const f = await createFixture();
    const csv = "story,expect_judge,judge_pass_score,judge_model\na dog,About a dog,0.8,openai.chat:judge-m\na cat,About a cat,,\n";
    const res = await importEvalCases({ orgId: f.orgId, workflowId: f.workflowId, text: csv, format: "csv" });
    expect(res.errors).toEqual([{ line: 3, error: expect.stringContaining("expectations.0.pass_score") }]);
    const ok = await importEvalCases({
      orgId: f.orgId,
      workflowId: f.workflowId,
      text: csv.replace("About a cat,,", "About a cat,0.5,"),
      format: "csv",
    });
    expect(ok).toEqual({ imported: 2, errors: [] });
    const cases = await listEvalCases(await getDb(), { orgId: f.orgId, workflowId: f.workflowId, limit: 10 });
    expect(cases.map((c) => [c.inputs, c.expectations])).toEqual([
      [{ story: "a dog" }, [{ type: "judge", rubric: "About a dog", pass_score: 0.8, model: "openai.chat:judge-m" }]],
      [{ story: "a cat" }, [{ type: "judge", rubric: "About a cat", pass_score: 0.5 }]],
    ]);
  });
});

describe("judging in an eval", () => {
  it("scores against pass_score with structured output; the judge's run is charged as `eval`; score and reason are recorded", async () => {
    const fake = await upstream();
    fake.set({ structured: dogJudge });
    const f = await createFixture({ credits: 50_000 });
    const db = await getDb();
    const dog = await createEvalCase({
      orgId: f.orgId,
      workflowId: f.workflowId,
      input: { inputs: { story: "a dog" }, expectations: [judge()] },
    });
    const cat = await createEvalCase({
      orgId: f.orgId,
      workflowId: f.workflowId,
      input: { inputs: { story: "a cat" }, expectations: [judge(), { type: "contains", value: "cat" }] },
    });
    const sent = fake.requests.length;
    const out = await runEval({ orgId: f.orgId, workflowId: f.workflowId, target: "draft" });
    expect(out).toMatchObject({ status: "completed", cases: 2, passed: 1, failed: 1, ok: false });

    // The judge was asked with the fixed prompt, for the {score, reason} schema, on the judge model.
    const calls = fake.requests.slice(sent).filter((r) => r.body.model === "judge-m");
    expect(calls).toHaveLength(2);
    expect(calls[0]!.body.response_format).toMatchObject({ type: "json_schema", json_schema: { schema: JUDGE_OUTPUT_SCHEMA } });
    expect(JSON.stringify(calls[0]!.body.messages)).toContain("The story is about the animal asked for");

    const results = await listEvalResults(db, out.eval_run_id);
    const dogResult = results.find((r) => r.caseId === dog.case_id)!;
    const catResult = results.find((r) => r.caseId === cat.case_id)!;
    expect(dogResult).toMatchObject({
      passed: true,
      checks: [
        {
          type: "judge",
          ok: true,
          score: 0.9,
          reason: "it is about a dog",
          message: "the judge (openai.chat:judge-m) scored 0.9 (passes at 0.7): it is about a dog",
        },
      ],
    });
    expect(catResult).toMatchObject({
      passed: false,
      checks: [
        { type: "judge", ok: false, score: 0.2, reason: "no dog in it" },
        { type: "contains", ok: true },
      ],
    });

    // Each judge is a run of its own with source `eval`, settled through the ledger like the case's.
    const judgeRunIds = results.map((r) => r.checks[0]!.run_id!);
    const judgeRuns = await db.select().from(runs).where(inArray(runs.id, judgeRunIds));
    expect(judgeRuns).toHaveLength(2);
    expect(
      judgeRuns.every((r) => r.source === "eval" && r.status === "completed" && r.creditsCharged > 0 && r.workflowId === f.workflowId),
    ).toBe(true);
    const caseRuns = await db
      .select()
      .from(runs)
      .where(
        inArray(
          runs.id,
          results.map((r) => r.runId!),
        ),
      );
    const judged = judgeRuns.reduce((n, r) => n + r.creditsCharged, 0);
    const ran = caseRuns.reduce((n, r) => n + r.creditsCharged, 0);
    expect(out.credits_charged).toBe(judged + ran);
    const org = await getOrg(db, f.orgId);
    expect(org!.creditBalance).toBe(50_000 - judged - ran);
    expect(await sumLedger(db, f.orgId)).toBe(org!.creditBalance);
  });

  it("a judge answering out of schema or failing fails the check with that reason", async () => {
    const fake = await upstream();
    const f = await createFixture();
    await createEvalCase({ orgId: f.orgId, workflowId: f.workflowId, input: { inputs: { story: "a dog" }, expectations: [judge()] } });
    fake.set({ structured: () => ({ score: 3, reason: "too high" }) });
    const outOfSchema = await runEval({ orgId: f.orgId, workflowId: f.workflowId, target: "draft" });
    expect(outOfSchema).toMatchObject({ passed: 0, failed: 1 });
    const [r1] = await listEvalResults(await getDb(), outOfSchema.eval_run_id);
    expect(r1!.checks[0]).toMatchObject({
      type: "judge",
      ok: false,
      message: expect.stringContaining("the judge (openai.chat:judge-m) answered out of schema:"),
    });
    expect(r1!.checks[0]!.score).toBeUndefined();

    fake.set({ structured: undefined, fault: "http_400" });
    const failed = await runEval({ orgId: f.orgId, workflowId: f.workflowId, target: "draft" });
    const [r2] = await listEvalResults(await getDb(), failed.eval_run_id);
    expect(r2!.checks[0]).toMatchObject({
      type: "judge",
      ok: false,
      message: expect.stringContaining("the judge (openai.chat:judge-m) failed:"),
    });
  });

  it("the model: the expectation's, else the org's setting, else the instance's default", async () => {
    const fake = await upstream();
    fake.set({ structured: dogJudge });
    const f = await createFixture();
    await createEvalCase({
      orgId: f.orgId,
      workflowId: f.workflowId,
      input: { inputs: { story: "a dog" }, expectations: [judge({ model: undefined })] },
    });
    // The instance default in tests is offline:echo, which answers with the prompt: not the schema.
    const byDefault = await runEval({ orgId: f.orgId, workflowId: f.workflowId, target: "draft" });
    const [r1] = await listEvalResults(await getDb(), byDefault.eval_run_id);
    expect(r1!.checks[0]).toMatchObject({ ok: false, message: expect.stringContaining("the judge (offline:echo)") });

    expect(await setJudgeModel({ orgId: f.orgId, model: "openai.chat:org-judge" })).toEqual({
      org_id: f.orgId,
      judge_model: "openai.chat:org-judge",
      effective: "openai.chat:org-judge",
    });
    await expect(setJudgeModel({ orgId: f.orgId, model: "nope" })).rejects.toMatchObject({ code: "invalid_request" });
    const byOrg = await runEval({ orgId: f.orgId, workflowId: f.workflowId, target: "draft" });
    expect(byOrg).toMatchObject({ passed: 1, failed: 0 });
    expect(fake.requests.at(-1)!.body.model).toBe("org-judge");
  });

  it("`admin eval run` exits 1 when a judge scores below pass_score, 0 when every judge passes", async () => {
    const fake = await upstream();
    fake.set({ structured: dogJudge });
    const f = await createFixture();
    await createEvalCase({ orgId: f.orgId, workflowId: f.workflowId, input: { inputs: { story: "a dog" }, expectations: [judge()] } });
    expect(await runAdminCommand(["eval", "run", "--org", f.orgId, "--workflow", f.workflowId])).toMatchObject({ ok: true, passed: 1 });
    expect(await runAdminCommand(["eval", "run", "--org", f.orgId, "--workflow", f.workflowId])).not.toHaveProperty("exit_code");
    await createEvalCase({ orgId: f.orgId, workflowId: f.workflowId, input: { inputs: { story: "a cat" }, expectations: [judge()] } });
    expect(await runAdminCommand(["eval", "run", "--org", f.orgId, "--workflow", f.workflowId])).toMatchObject({
      ok: false,
      failed: 1,
      exit_code: 1,
    });
    expect(await runAdminCommand(["eval", "judge-model", "--org", f.orgId, "--model", "openai.chat:judge-m"])).toMatchObject({
      judge_model: "openai.chat:judge-m",
    });
  });

  it("docs/evals.md shows the judge prompt exactly as it is sent, with its version", () => {
    const doc = readFileSync("docs/evals.md", "utf8");
    expect(doc).toContain(`Version \`${JUDGE_PROMPT_VERSION}\``);
    expect(doc).toContain(JUDGE_SYSTEM);
    expect(doc).toContain(JUDGE_TEMPLATE);
    expect(doc).toContain(JSON.stringify(JUDGE_OUTPUT_SCHEMA).replaceAll(":", ": ").replaceAll(",", ", "));
  });
});
