import { z } from "zod";
import type { CheckResult, Expectation } from "@/db/schema";
import { parseModelId } from "@/lib/llm/model-id";
import { checkOutput, type OutputSchema } from "@/lib/workflows/output-schema";
import { regexBoundError } from "./regex-bounds";
import { compileInWorker, matchInWorker, RegexBudgetError, REGEX_MATCH_BUDGET_MS } from "./regex-pool";

// A test case's expectations and how an output is checked against them. User regexes run on
// RE2 (re2js: linear time, no backreferences or lookarounds), so no pattern can make a check
// backtrack for minutes. Their cost is bounded when they enter (length, repeat counts and program
// size, from the text: regex-bounds.ts), and compiling and matching happen in worker threads with
// a time budget (regex-pool.ts), never on a request's thread.

export const MAX_PATTERN_CHARS = 500;
export const MAX_EXPECTED_CHARS = 20_000;
export const MAX_EXPECTATIONS = 20;
/** A judge's rubric (the judge prompt itself is fixed: lib/evals/judge.ts). */
export const MAX_RUBRIC_CHARS = 2_000;
/** Judge checks one case may hold (each is a charged model call). */
export const MAX_JUDGES_PER_CASE = 5;

const text = z.string().min(1).max(MAX_EXPECTED_CHARS);
const ignoreCase = z.boolean().optional();

export const expectation = z.discriminatedUnion("type", [
  z.object({ type: z.literal("contains"), value: text, ignore_case: ignoreCase }).strict(),
  z.object({ type: z.literal("not_contains"), value: text, ignore_case: ignoreCase }).strict(),
  z.object({ type: z.literal("equals"), value: z.string().max(MAX_EXPECTED_CHARS) }).strict(),
  z
    .object({ type: z.literal("regex"), pattern: z.string().min(1).max(MAX_PATTERN_CHARS), ignore_case: ignoreCase })
    .strict()
    .superRefine((e, ctx) => {
      const error = regexBoundError(e.pattern);
      if (error) ctx.addIssue({ code: "custom", message: `regex: ${error}`, path: ["pattern"] });
    }),
  z.object({ type: z.literal("max_output_tokens"), value: z.int().min(0).max(1_000_000) }).strict(),
  z.object({ type: z.literal("matches_output_schema") }).strict(),
  // Graded by a model (lib/evals/judge.ts).
  z
    .object({
      type: z.literal("judge"),
      rubric: z
        .string()
        .trim()
        .min(1)
        .max(MAX_RUBRIC_CHARS, `must be at most ${MAX_RUBRIC_CHARS.toLocaleString("en-US")} characters`),
      model: z
        .string()
        .max(200)
        .refine((id) => parseModelId(id) !== undefined, "must be <provider>:<model>, e.g. openai:gpt-4o-mini")
        .optional(),
      pass_score: z.number().min(0, "must be between 0 and 1").max(1, "must be between 0 and 1"),
    })
    .strict(),
]);

export const expectations = z
  .array(expectation)
  .min(1)
  .max(MAX_EXPECTATIONS)
  .refine(
    (list) => list.filter((e) => e.type === "judge").length <= MAX_JUDGES_PER_CASE,
    `at most ${MAX_JUDGES_PER_CASE} judge checks a case (each is a charged model call)`,
  );

type JudgeExpectation = Extract<Expectation, { type: "judge" }>;
/** Runs a judge check (lib/evals/judge.ts, given by the eval run: it needs the case, the principal and the ledger). */
export type JudgeFn = (e: JudgeExpectation) => Promise<CheckResult>;
type CheckOptions = { regexBudgetMs?: number; judge?: JudgeFn };

/**
 * The regex syntax errors of these cases (already parsed, so within the bounds), compiled in a
 * worker: for each case with one, its first as `{ index, expectation, message }`. Called after the
 * dataset is authorized and counted, never before.
 */
export async function regexSyntaxErrors(cases: { expectations: Expectation[] }[]) {
  const items = cases.flatMap((c, index) =>
    c.expectations.flatMap((e, expectation) =>
      e.type === "regex" ? [{ index, expectation, pattern: e.pattern, ignoreCase: e.ignore_case }] : [],
    ),
  );
  const errors = new Map<number, { index: number; expectation: number; message: string }>();
  // Batches keep each worker job short; the budget bounds a batch, whatever it holds.
  for (let i = 0; i < items.length; i += 200) {
    const batch = items.slice(i, i + 200);
    let results: { error?: string }[];
    try {
      results = await compileInWorker(batch);
    } catch (e) {
      const why = e instanceof RegexBudgetError ? `compiling the patterns ${e.message}` : (e as Error).message;
      results = batch.map(() => ({ error: why }));
    }
    batch.forEach((item, k) => {
      const error = results[k]?.error;
      if (error && !errors.has(item.index))
        errors.set(item.index, { index: item.index, expectation: item.expectation, message: `regex: ${error}` });
    });
  }
  return [...errors.values()];
}

const fold = (s: string, ignoreCase?: boolean) => (ignoreCase ? s.toLowerCase() : s);
const quote = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);

/** One expectation against an output (its output token count, and the evaluated version's output schema). */
export async function check(
  e: Expectation,
  output: string,
  outputTokens: number,
  outputSchema: OutputSchema | null = null,
  { regexBudgetMs = REGEX_MATCH_BUDGET_MS, judge }: CheckOptions = {},
): Promise<CheckResult> {
  switch (e.type) {
    case "contains": {
      const ok = fold(output, e.ignore_case).includes(fold(e.value, e.ignore_case));
      return { type: e.type, ok, message: `${ok ? "contains" : "does not contain"} ${quote(e.value)}` };
    }
    case "not_contains": {
      const ok = !fold(output, e.ignore_case).includes(fold(e.value, e.ignore_case));
      return { type: e.type, ok, message: `${ok ? "does not contain" : "contains"} ${quote(e.value)}` };
    }
    case "equals": {
      const ok = output === e.value;
      return { type: e.type, ok, message: ok ? "equals the expected output" : `differs from the expected output ${quote(e.value)}` };
    }
    case "regex": {
      const shown = `/${e.pattern.slice(0, 60)}/`;
      // A case saved before the bounds existed is held to them here too.
      const over = regexBoundError(e.pattern);
      if (over) return { type: e.type, ok: false, message: `${shown} is refused: ${over}` };
      try {
        const ok = await matchInWorker(e.pattern, e.ignore_case, output, regexBudgetMs);
        return { type: e.type, ok, message: `${ok ? "matches" : "does not match"} ${shown}` };
      } catch (err) {
        const why =
          err instanceof RegexBudgetError
            ? `matching ${err.message} (the time budget of a regex check): simplify the pattern or shorten the output`
            : `could not be checked: ${(err as Error).message}`;
        return { type: e.type, ok: false, message: `${shown} ${why}` };
      }
    }
    case "max_output_tokens": {
      const ok = outputTokens <= e.value;
      return { type: e.type, ok, message: `${outputTokens} output tokens (at most ${e.value})` };
    }
    case "matches_output_schema": {
      if (!outputSchema) return { type: e.type, ok: false, message: "the version declares no output schema" };
      const r = checkOutput(outputSchema, output);
      return {
        type: e.type,
        ok: r.ok,
        message: r.ok ? "matches the output schema" : `does not match the output schema: ${r.message.slice(0, 200)}`,
      };
    }
    case "judge":
      return judge ? judge(e) : { type: e.type, ok: false, message: "a judge check runs only in an eval" };
  }
}

/** Every expectation of a case: it passes when all of them hold. */
export async function checkAll(
  list: Expectation[],
  output: string,
  outputTokens: number,
  outputSchema: OutputSchema | null = null,
  options: CheckOptions = {},
) {
  const checks = await Promise.all(list.map((e) => check(e, output, outputTokens, outputSchema, options)));
  return { passed: checks.every((c) => c.ok), checks };
}
