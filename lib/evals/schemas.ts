import { z } from "zod";
import { expectations } from "./expectations";

/** A workflow's dataset holds at most this many cases; an eval runs all of them. */
export const MAX_EVAL_CASES = 500;
/** Cases of one eval run in flight at once. */
export const EVAL_CONCURRENCY = 4;

const noNul = (s: string) => !s.includes("\u0000");

export const caseInputs = z
  .record(
    z.string().min(1).max(100).refine(noNul, "input names must not contain NUL characters"),
    z.string().max(20_000).refine(noNul, "inputs must not contain NUL characters"),
  )
  .refine((r) => Object.keys(r).length <= 50, "at most 50 inputs");

export const newEvalCase = z
  .object({
    name: z.string().trim().max(200).optional(),
    inputs: caseInputs,
    expectations,
  })
  .strict();
export type NewEvalCase = z.output<typeof newEvalCase>;
