import "server-only";
import { z } from "zod";
import { getDb } from "@/db";
import { getEvalCase, listEvalCases } from "@/db/queries/evals";
import { getWorkflowVersion } from "@/db/queries/workflows";
import type { Expectation, WorkflowVersion } from "@/db/schema";
import type { UserPrincipal } from "@/lib/auth/principal";
import { AppError, isAppError } from "@/lib/errors";
import { isId } from "@/lib/ids";
import { parseModelId } from "@/lib/llm/model-id";
import { logger } from "@/lib/logger";
import { trackRun } from "@/lib/runs/in-flight";
import { admitRun, executeRun } from "@/lib/runs/open-run";
import { loadDraftAsVersion } from "@/lib/runs/prepare-run";
import { runJudge } from "./judge";
import { MAX_EVAL_CASES } from "./schemas";

// Compare (the workflow editor): one set of inputs run against up to 4 columns, each the draft or
// a published version on a model of its own, in parallel, as one multiplexed stream of NDJSON
// events. Each column is a playground run through the one run pipeline (prepared, reserved,
// charged and settled like any run, source `playground`); with a judge rubric from the workflow's
// dataset, each finished column's output is graded by lib/evals/judge.ts, its call charged as
// source `eval` like an eval's judge.

export const MAX_COMPARE_COLUMNS = 4;

const column = z
  .object({
    target: z.union([z.literal("draft"), z.int().min(1).max(999_999_999)]),
    /** The model this column runs; default: the target's own. */
    model: z
      .string()
      .min(3)
      .max(200)
      .regex(/^[^:\s]+:\S+$/, "must be <provider>:<model>")
      .optional(),
  })
  .strict();

export const compareBody = z
  .object({
    /** The template's variables, checked by the run pipeline exactly as a run's body is. */
    inputs: z.record(z.string(), z.unknown()),
    columns: z.array(column).min(1).max(MAX_COMPARE_COLUMNS, `at most ${MAX_COMPARE_COLUMNS} columns`),
    /** A judge check of the workflow's dataset to grade each column with: the case and the index of its judge expectation. */
    judge: z
      .object({ case_id: z.string().max(100), check: z.int().min(0).max(99) })
      .strict()
      .optional(),
  })
  .strict();
export type CompareBody = z.infer<typeof compareBody>;
export type CompareColumn = z.infer<typeof column>;

/** One line of the stream (application/x-ndjson). */
export type CompareEvent =
  | { type: "start"; column: number; run_id: string; model: string }
  | { type: "text"; column: number; delta: string }
  | {
      type: "end";
      column: number;
      run_id: string;
      status: string;
      error: { code: string; message: string } | null;
      usage: { input_tokens: number; output_tokens: number; total_tokens: number };
      credits_charged: number;
      latency_ms: number;
      first_token_ms: number | null;
    }
  | {
      type: "judge";
      column: number;
      ok: boolean;
      score: number | null;
      reason: string | null;
      message: string;
      credits_charged: number;
      run_id: string | null;
    }
  | { type: "error"; column: number; code: string; message: string }
  | { type: "done" };

type Judge = Extract<Expectation, { type: "judge" }>;

/** The column's version: the draft or a published version, on the column's model (its fallbacks dropped then: the column measures that model). */
export async function columnVersion(orgId: string, workflowId: string, c: CompareColumn): Promise<WorkflowVersion> {
  let v: WorkflowVersion;
  if (c.target === "draft") v = await loadDraftAsVersion(orgId, workflowId);
  else {
    if (!isId.workflow(workflowId)) throw new AppError("workflow_not_found");
    const row = await getWorkflowVersion(await getDb(), { orgId, workflowId, version: c.target });
    if (!row) throw new AppError("workflow_not_found", `Workflow not found (no version ${c.target})`);
    v = row;
  }
  if (!c.model || c.model === v.model) return v;
  if (!parseModelId(c.model)) throw new AppError("invalid_request", "model must be <provider>:<model>, e.g. openai:gpt-4o-mini");
  return { ...v, model: c.model, fallbackModels: [] };
}

/** The judge check named by the request: a `judge` expectation of one of the workflow's cases (400 otherwise). */
async function judgeOf(orgId: string, workflowId: string, j: CompareBody["judge"]): Promise<Judge | null> {
  if (!j) return null;
  const c = !isId.evalCase(j.case_id) ? undefined : await getEvalCase(await getDb(), { orgId, workflowId, caseId: j.case_id });
  const e = c?.expectations[j.check];
  if (!e || e.type !== "judge") throw new AppError("invalid_request", "judge: no such judge check in this workflow's dataset");
  return e;
}

/** The judge checks of a workflow's dataset, for the compare view's picker. */
export async function judgeOptions(orgId: string, workflowId: string) {
  const cases = await listEvalCases(await getDb(), { orgId, workflowId, limit: MAX_EVAL_CASES });
  return cases.flatMap((c) =>
    c.expectations.flatMap((e, i) =>
      e.type === "judge" ? [{ caseId: c.id, check: i, caseName: c.name, rubric: e.rubric, passScore: e.pass_score, inputs: c.inputs }] : [],
    ),
  );
}

/**
 * Checks everything a comparison needs before anything is charged — each column's version and
 * model, the inputs against each version's variables (the run's own 400s and 413), the judge
 * check — and hands back the stream that runs the columns. A column that cannot start once the
 * stream is open (no credits left) gets an `error` event; the others go on.
 */
export async function startCompare({
  principal,
  workflowId,
  body,
  inputs,
  signal,
}: {
  principal: UserPrincipal;
  workflowId: string;
  body: CompareBody;
  /** The inputs object exactly as sent (its keys as written). */
  inputs: Record<string, unknown>;
  signal?: AbortSignal;
}): Promise<ReadableStream<Uint8Array>> {
  const orgId = principal.orgId;
  const judge = await judgeOf(orgId, workflowId, body.judge);
  const settled = await Promise.allSettled(
    body.columns.map(async (c) => {
      const version = await columnVersion(orgId, workflowId, c);
      return admitRun({
        principal,
        version,
        source: "playground",
        protocol: "compare",
        fields: {},
        shape: () => ({ vars: inputs, history: [] }),
        signal,
      });
    }),
  );
  const failed = settled.find((s) => s.status === "rejected");
  if (failed) {
    // The columns admitted will not run: each holds the instance's drain until it is dropped.
    for (const s of settled) if (s.status === "fulfilled") s.value.drop();
    throw failed.reason;
  }
  const admitted = settled.map((s) => (s as PromiseFulfilledResult<Awaited<ReturnType<typeof admitRun>>>).value);
  const encoder = new TextEncoder();
  let open = true;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (e: CompareEvent) => {
        if (open) controller.enqueue(encoder.encode(`${JSON.stringify(e)}\n`));
      };
      const one = async (i: number) => {
        const a = admitted[i]!;
        let run;
        try {
          run = await a.reserve({});
        } catch (err) {
          if (!isAppError(err)) logger.error("compare column failed to start", { workflowId, err });
          return send({ type: "error", column: i, code: isAppError(err) ? err.code : "internal_error", message: messageOf(err) });
        }
        send({ type: "start", column: i, run_id: run.id, model: run.model });
        const { result, done } = await trackRun(
          executeRun(a.prepared, run, performance.now(), {
            clientSignal: signal,
            handlers: { onText: (delta) => send({ type: "text", column: i, delta }) },
          }),
        );
        send({
          type: "end",
          column: i,
          run_id: run.id,
          status: done.status,
          error: result.error ? { code: result.error.code, message: result.error.message.slice(0, 500) } : null,
          usage: { input_tokens: done.inputTokens, output_tokens: done.outputTokens, total_tokens: done.totalTokens },
          credits_charged: done.creditsCharged,
          latency_ms: done.latencyMs,
          first_token_ms: result.firstTokenMs ?? null,
        });
        if (!judge || result.error || signal?.aborted) return;
        const { check, creditsCharged } = await runJudge({
          principal,
          workflowId,
          e: judge,
          inputs: a.prepared.inputs,
          output: result.text,
        });
        send({
          type: "judge",
          column: i,
          ok: check.ok,
          score: check.score ?? null,
          reason: check.reason ?? null,
          message: check.message,
          credits_charged: creditsCharged,
          run_id: check.run_id ?? null,
        });
      };
      void Promise.all(
        admitted.map((_, i) => one(i).catch((err) => send({ type: "error", column: i, code: "internal_error", message: messageOf(err) }))),
      )
        .then(() => send({ type: "done" }))
        .finally(() => {
          open = false;
          try {
            controller.close();
          } catch {
            // The client went away: the stream is already cancelled.
          }
        });
    },
    cancel() {
      // The client went away: its request's signal cancels the columns' runs (settled as canceled).
      open = false;
    },
  });
}

function messageOf(err: unknown) {
  if (isAppError(err)) return err.message;
  logger.error("compare column failed", { err });
  return "Internal server error";
}
