"use client";

import { useRef, useState } from "react";
import { adoptColumnAction } from "./actions";
import { errorText, initialValues, typedBody, VariableInput, type Raw, type Variable } from "./playground";
import { useToast } from "@/components/toast";
import { Button, Field } from "@/components/ui";

// Compare: one set of inputs against up to 4 columns (the draft or a version, each on a model of
// its own), run in parallel by POST /api/playground/{id}/compare, whose NDJSON stream carries
// every column's deltas, its tokens, latency and credits, and the judge's score when a rubric of
// the dataset is picked. Each column is a charged playground run (the judge's call an eval run).

export const MAX_COLUMNS = 4;

type Target = "draft" | number;
type Model = { id: string; label: string; offline?: boolean };
export type JudgeOption = {
  caseId: string;
  check: number;
  caseName: string;
  rubric: string;
  passScore: number;
  inputs: Record<string, string>;
};
type Judged = { ok: boolean; score: number | null; reason: string | null; message: string; credits: number };
type Column = {
  key: number;
  target: Target;
  model: string;
  text: string;
  state: "idle" | "running" | "done" | "error";
  runId?: string;
  tokens?: number;
  credits?: number;
  latencyMs?: number;
  error?: string;
  judge?: Judged | "running";
};

const selectLook = "w-full rounded-md border border-neutral-300 bg-white px-2 py-1 text-sm dark:border-neutral-700 dark:bg-neutral-900";
const targetName = (t: Target) => (t === "draft" ? "Draft" : `v${t}`);

export function Compare({
  orgId,
  workflowId,
  variables,
  versions,
  draftModel,
  models,
  judges,
  canEdit,
  beforeRun,
  onAdopt,
}: {
  orgId: string;
  workflowId: string;
  variables: Variable[];
  versions: { version: number; model: string }[];
  draftModel: string;
  models: Model[];
  judges: JudgeOption[];
  canEdit: boolean;
  beforeRun: () => Promise<boolean>;
  /** "Use this" changed the draft: the editor shows it. */
  onAdopt: (draft: unknown) => void;
}) {
  const toast = useToast();
  const nextKey = useRef(2);
  const modelOf = (t: Target) => (t === "draft" ? draftModel : (versions.find((v) => v.version === t)?.model ?? draftModel));
  const [columns, setColumns] = useState<Column[]>(() => {
    const first: Column = { key: 0, target: "draft", model: draftModel, text: "", state: "idle" };
    const latest = versions[0];
    return latest ? [first, { key: 1, target: latest.version, model: latest.model, text: "", state: "idle" }] : [first];
  });
  const [values, setValues] = useState<Record<string, Raw>>(() => initialValues(variables));
  const [judge, setJudge] = useState(judges.length ? "0" : "");
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const abort = useRef<AbortController | null>(null);
  const picked = judge === "" ? null : (judges[Number(judge)] ?? null);

  const patch = (i: number, p: Partial<Column>) => setColumns((cs) => cs.map((c, j) => (j === i ? { ...c, ...p } : c)));
  const setTarget = (i: number, target: Target) => patch(i, { target, model: modelOf(target) });

  async function run() {
    const inputs = typedBody(variables, values);
    if (typeof inputs === "string") return setProblem(inputs);
    setProblem(null);
    if (!(await beforeRun())) return;
    setColumns((cs) => cs.map((c) => ({ key: c.key, target: c.target, model: c.model, text: "", state: "running" })));
    setBusy(true);
    abort.current = new AbortController();
    try {
      const res = await fetch(`/api/playground/${workflowId}/compare`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-flowgate-org": orgId },
        body: JSON.stringify({
          inputs,
          columns: columns.map((c) => ({ target: c.target, model: c.model })),
          ...(picked ? { judge: { case_id: picked.caseId, check: picked.check } } : {}),
        }),
        signal: abort.current.signal,
      });
      if (!res.ok || !res.body) {
        setColumns((cs) => cs.map((c) => ({ ...c, state: "idle" })));
        return setProblem(errorText(new Error(await res.text())));
      }
      await readEvents(res.body, apply);
    } catch (e) {
      if (!(e instanceof DOMException && e.name === "AbortError")) setProblem("The comparison was interrupted");
    } finally {
      setBusy(false);
      setColumns((cs) => cs.map((c) => (c.state === "running" ? { ...c, state: "error", error: c.error ?? "stopped" } : c)));
    }
  }

  function apply(e: Record<string, unknown>) {
    const i = e.column as number;
    switch (e.type) {
      case "start":
        return patch(i, { runId: e.run_id as string });
      case "text":
        return setColumns((cs) => cs.map((c, j) => (j === i ? { ...c, text: c.text + (e.delta as string) } : c)));
      case "end": {
        const err = e.error as { message: string } | null;
        const usage = e.usage as { total_tokens: number };
        return patch(i, {
          state: err ? "error" : "done",
          error: err?.message,
          tokens: usage.total_tokens,
          credits: e.credits_charged as number,
          latencyMs: e.latency_ms as number,
          judge: picked && !err ? "running" : undefined,
        });
      }
      case "judge":
        return patch(i, {
          judge: {
            ok: e.ok as boolean,
            score: e.score as number | null,
            reason: e.reason as string | null,
            message: e.message as string,
            credits: e.credits_charged as number,
          },
        });
      case "error":
        return patch(i, { state: "error", error: e.message as string });
    }
  }

  async function adopt(c: Column) {
    const what = c.target === "draft" ? `the model ${c.model}` : `v${c.target}'s template, instructions and settings, on ${c.model},`;
    if (!window.confirm(`Copy ${what} into the draft?`)) return;
    const res = await adoptColumnAction({ orgId, workflowId, target: c.target, model: c.model });
    if (!res.ok) return toast.error(res.error.message);
    onAdopt(res.data);
    toast.ok(`The draft now uses ${targetName(c.target)} on ${c.model}`);
  }

  const modelChoices = (current: string) => (models.some((m) => m.id === current) ? models : [...models, { id: current, label: current }]);

  return (
    <div className="space-y-4" data-testid="compare">
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        <div className="grid gap-3 md:grid-cols-2">
          {variables.map((v) => (
            <Field key={v.name} label={v.type && v.type !== "text" ? `${v.name} (${v.type})` : v.name} hint={v.description}>
              <VariableInput variable={v} value={values[v.name] ?? ""} onChange={(x) => setValues((all) => ({ ...all, [v.name]: x }))} />
            </Field>
          ))}
        </div>
        <div className="flex flex-wrap items-end gap-2">
          {judges.length ? (
            <label className="flex-1 space-y-1">
              <span className="text-sm font-medium">Judge with</span>
              <select className={selectLook} value={judge} onChange={(e) => setJudge(e.target.value)}>
                <option value="">No judge</option>
                {judges.map((j, i) => (
                  <option key={`${j.caseId}/${j.check}`} value={String(i)}>
                    {j.caseName}: {j.rubric.slice(0, 80)} (passes at {j.passScore})
                  </option>
                ))}
              </select>
            </label>
          ) : (
            <p className="flex-1 text-xs text-neutral-600 dark:text-neutral-400">
              Add a judge check to the dataset to score each column (Datasets and evals).
            </p>
          )}
          {picked ? (
            <Button type="button" variant="secondary" onClick={() => setValues({ ...values, ...picked.inputs })}>
              Use the case&apos;s inputs
            </Button>
          ) : null}
          <Button
            type="button"
            variant="secondary"
            disabled={busy || columns.length >= MAX_COLUMNS}
            onClick={() => {
              const t: Target = versions.find((v) => !columns.some((c) => c.target === v.version))?.version ?? "draft";
              setColumns((cs) => [...cs, { key: nextKey.current++, target: t, model: modelOf(t), text: "", state: "idle" }]);
            }}
          >
            Add column
          </Button>
          <Button type="submit" disabled={busy}>
            {busy ? "Comparing…" : `Compare ${columns.length} column${columns.length === 1 ? "" : "s"}`}
          </Button>
          {busy ? (
            <Button type="button" variant="secondary" onClick={() => abort.current?.abort()}>
              Stop
            </Button>
          ) : null}
        </div>
        {problem ? (
          <p role="alert" className="text-sm text-red-600">
            {problem}
          </p>
        ) : null}
      </form>
      <div
        className={`grid gap-3 ${["", "md:grid-cols-1", "md:grid-cols-2", "md:grid-cols-3", "md:grid-cols-2 xl:grid-cols-4"][columns.length]}`}
      >
        {columns.map((c, i) => (
          <section
            key={c.key}
            aria-label={`Column ${i + 1}: ${targetName(c.target)} on ${c.model}`}
            data-testid={`compare-column-${i}`}
            className="flex min-w-0 flex-col gap-2 rounded-md border border-neutral-200 p-3 dark:border-neutral-800"
          >
            {/* Stacked: with 4 columns side by side, two selects in a row would cut the model names. */}
            <div className="grid gap-2">
              <select
                aria-label={`Column ${i + 1} version`}
                className={selectLook}
                value={String(c.target)}
                disabled={busy}
                onChange={(e) => setTarget(i, e.target.value === "draft" ? "draft" : Number(e.target.value))}
              >
                <option value="draft">Draft</option>
                {versions.map((v) => (
                  <option key={v.version} value={v.version}>
                    v{v.version}
                  </option>
                ))}
              </select>
              <select
                aria-label={`Column ${i + 1} model`}
                className={selectLook}
                value={c.model}
                disabled={busy}
                onChange={(e) => patch(i, { model: e.target.value })}
              >
                {modelChoices(c.model).map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.label}
                  </option>
                ))}
              </select>
            </div>
            <div
              data-testid={`compare-output-${i}`}
              aria-live="polite"
              aria-busy={c.state === "running"}
              className="min-h-32 flex-1 whitespace-pre-wrap break-words rounded-md border border-neutral-200 bg-neutral-50 p-2 text-sm dark:border-neutral-800 dark:bg-neutral-900"
            >
              {c.text || (
                <span className="text-neutral-600 dark:text-neutral-400">
                  {c.state === "running" ? "Waiting for the model…" : "Output appears here."}
                </span>
              )}
            </div>
            {c.error ? (
              <p role="alert" className="text-xs text-red-700">
                {c.error}
              </p>
            ) : null}
            {c.tokens !== undefined ? (
              <dl data-testid={`compare-stats-${i}`} className="grid grid-cols-3 gap-1 text-xs">
                <div>
                  <dt className="text-neutral-600 dark:text-neutral-400">Tokens</dt>
                  <dd className="font-mono">{c.tokens}</dd>
                </div>
                <div>
                  <dt className="text-neutral-600 dark:text-neutral-400">Latency</dt>
                  <dd className="font-mono">{c.latencyMs} ms</dd>
                </div>
                <div>
                  <dt className="text-neutral-600 dark:text-neutral-400">Credits</dt>
                  <dd className="font-mono">{c.credits}</dd>
                </div>
              </dl>
            ) : null}
            {c.judge === "running" ? (
              <p className="text-xs text-neutral-600 dark:text-neutral-400">Judging…</p>
            ) : c.judge ? (
              <p data-testid={`compare-judge-${i}`} className="text-xs" title={c.judge.message}>
                <span
                  className={`mr-1 rounded px-1.5 font-mono ${c.judge.ok ? "bg-green-100 text-green-900 dark:bg-green-900 dark:text-green-100" : "bg-red-100 text-red-900 dark:bg-red-900 dark:text-red-100"}`}
                >
                  judge {c.judge.score === null ? "failed" : c.judge.score.toFixed(2)}
                </span>
                {c.judge.reason ?? c.judge.message}{" "}
                <span className="text-neutral-600 dark:text-neutral-400">({c.judge.credits} credits)</span>
              </p>
            ) : null}
            <div className="flex gap-2">
              {canEdit ? (
                <Button type="button" variant="secondary" disabled={busy} onClick={() => void adopt(c)}>
                  Use this
                </Button>
              ) : null}
              {columns.length > 1 ? (
                <Button
                  type="button"
                  variant="secondary"
                  disabled={busy}
                  aria-label={`Remove column ${i + 1}`}
                  onClick={() => setColumns((cs) => cs.filter((_, j) => j !== i))}
                >
                  Remove
                </Button>
              ) : null}
            </div>
          </section>
        ))}
      </div>
    </div>
  );
}

/** Reads an NDJSON body line by line, handing each event over as it arrives. */
async function readEvents(body: ReadableStream<Uint8Array>, on: (e: Record<string, unknown>) => void) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line) on(JSON.parse(line) as Record<string, unknown>);
    }
  }
}
