import { RE2JS } from "re2js";
import { z } from "zod";
import type { CheckResult, Expectation } from "@/db/schema";
import { checkOutput, type OutputSchema } from "@/lib/workflows/output-schema";

// A test case's expectations and how an output is checked against them. User regexes run on
// RE2 (re2js: linear time, no backreferences or lookarounds), so no pattern can make a check
// backtrack for minutes; patterns are also length-limited and compiled when the case is saved.

export const MAX_PATTERN_CHARS = 500;
export const MAX_EXPECTED_CHARS = 20_000;
export const MAX_EXPECTATIONS = 20;

const text = z.string().min(1).max(MAX_EXPECTED_CHARS);
const ignoreCase = z.boolean().optional();

export const expectation = z.discriminatedUnion("type", [
  z.object({ type: z.literal("contains"), value: text, ignore_case: ignoreCase }).strict(),
  z.object({ type: z.literal("not_contains"), value: text, ignore_case: ignoreCase }).strict(),
  z.object({ type: z.literal("equals"), value: z.string().max(MAX_EXPECTED_CHARS) }).strict(),
  z.object({ type: z.literal("regex"), pattern: z.string().min(1).max(MAX_PATTERN_CHARS), ignore_case: ignoreCase }).strict()
    .superRefine((e, ctx) => {
      const error = compileError(e.pattern, e.ignore_case);
      if (error) ctx.addIssue({ code: "custom", message: `regex: ${error}`, path: ["pattern"] });
    }),
  z.object({ type: z.literal("max_output_tokens"), value: z.int().min(0).max(1_000_000) }).strict(),
  z.object({ type: z.literal("matches_output_schema") }).strict(),
]);

export const expectations = z.array(expectation).min(1).max(MAX_EXPECTATIONS);

function compile(pattern: string, ignoreCase?: boolean) {
  return RE2JS.compile(pattern, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
}

function compileError(pattern: string, ignoreCase?: boolean): string | null {
  try {
    compile(pattern, ignoreCase);
    return null;
  } catch (e) {
    return (e as Error).message.slice(0, 200);
  }
}

const fold = (s: string, ignoreCase?: boolean) => (ignoreCase ? s.toLowerCase() : s);
const quote = (s: string) => JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);

/** One expectation against an output (its output token count, and the evaluated version's output schema). */
export function check(e: Expectation, output: string, outputTokens: number, outputSchema: OutputSchema | null = null): CheckResult {
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
      const ok = compile(e.pattern, e.ignore_case).matcher(output).find();
      return { type: e.type, ok, message: `${ok ? "matches" : "does not match"} /${e.pattern.slice(0, 60)}/` };
    }
    case "max_output_tokens": {
      const ok = outputTokens <= e.value;
      return { type: e.type, ok, message: `${outputTokens} output tokens (at most ${e.value})` };
    }
    case "matches_output_schema": {
      if (!outputSchema) return { type: e.type, ok: false, message: "the version declares no output schema" };
      const r = checkOutput(outputSchema, output);
      return { type: e.type, ok: r.ok, message: r.ok ? "matches the output schema" : `does not match the output schema: ${r.message.slice(0, 200)}` };
    }
  }
}

/** Every expectation of a case: it passes when all of them hold. */
export function checkAll(list: Expectation[], output: string, outputTokens: number, outputSchema: OutputSchema | null = null) {
  const checks = list.map((e) => check(e, output, outputTokens, outputSchema));
  return { passed: checks.every((c) => c.ok), checks };
}
