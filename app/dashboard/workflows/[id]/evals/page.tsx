import Link from "next/link";
import { notFound } from "next/navigation";
import { LineDiff } from "@/components/line-diff";
import { Card, Empty } from "@/components/ui";
import { requireOrgPage } from "@/lib/auth/current-user";
import { evalsPageData } from "@/lib/evals/eval-page-data";
import { isAppError } from "@/lib/errors";
import { variablesOf } from "@/lib/workflows/template";
import { AddCaseForm, GateSwitch, ImportForm, RefreshWhileRunning, RemoveCaseButton, RunEvalForm } from "./eval-controls";

export const dynamic = "force-dynamic";

type Data = NonNullable<Awaited<ReturnType<typeof evalsPageData>>>;
type Side = Data["compare"]["a"];

const targetOf = (r: { version: number | null }) => (r.version === null ? "draft" : `v${r.version}`);
const when = (d: Date) => d.toISOString().slice(0, 16).replace("T", " ");

export default async function EvalsPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  const me = await requireOrgPage();
  const { id } = await params;
  const q = await searchParams;
  const data = await evalsPageData(me.orgId, id, { a: q.a, b: q.b }).catch((e) => (isAppError(e) ? null : Promise.reject(e)));
  if (!data) notFound();
  const { workflow: w, cases, evalRuns, compare } = data;
  const canEdit = me.role !== "member";
  const ids = { orgId: me.orgId, workflowId: w.id };
  return (
    <>
      <div>
        <Link href={`/dashboard/workflows/${w.id}`} className="text-sm underline">
          ← {w.name}
        </Link>
        <h1 className="mt-2 text-2xl font-semibold">Datasets and evals</h1>
      </div>
      <Card title={`Dataset (${cases.length} cases)`} actions={canEdit ? <GateSwitch {...ids} required={data.requirePassingEval} /> : null}>
        {cases.length === 0 ? (
          <Empty>No test cases yet: add one below, import JSONL or CSV, or use “Add to dataset” on a run’s page.</Empty>
        ) : (
          <table className="w-full text-sm" data-testid="eval-cases">
            <thead className="text-left text-neutral-500">
              <tr>
                <th className="py-2">Case</th>
                <th>Inputs</th>
                <th>Expects</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {cases.map((c) => (
                <tr key={c.id} className="border-t border-neutral-200 align-top dark:border-neutral-800">
                  <td className="py-2">{c.name}</td>
                  <td className="max-w-xs truncate font-mono text-xs">{JSON.stringify(c.inputs)}</td>
                  <td className="text-xs">
                    {c.expectations.map((e, i) => (
                      <div key={i}>
                        {e.type.replaceAll("_", " ")}{" "}
                        {e.type === "regex"
                          ? `/${e.pattern}/`
                          : e.type === "judge"
                            ? `≥ ${e.pass_score}: ${e.rubric.slice(0, 80)}`
                            : "value" in e
                              ? JSON.stringify(e.value).slice(0, 80)
                              : ""}
                      </div>
                    ))}
                  </td>
                  <td className="text-right">{canEdit ? <RemoveCaseButton {...ids} caseId={c.id} /> : null}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {canEdit ? (
          <div className="mt-4 space-y-2">
            <AddCaseForm {...ids} variables={variablesOf(w).map((v) => v.name)} />
            <details>
              <summary className="cursor-pointer text-sm">Import JSONL or CSV</summary>
              <ImportForm {...ids} />
            </details>
          </div>
        ) : null}
      </Card>
      <RefreshWhileRunning active={evalRuns.some((r) => r.status === "queued" || r.status === "running")} />
      <Card title="Eval runs" actions={canEdit && cases.length ? <RunEvalForm {...ids} versions={data.versions} /> : null}>
        {evalRuns.length === 0 ? (
          <Empty>No evals yet.</Empty>
        ) : (
          <table className="w-full text-sm" data-testid="eval-runs">
            <thead className="text-left text-neutral-500">
              <tr>
                <th className="py-2">When (UTC)</th>
                <th>Target</th>
                <th>Status</th>
                <th>Passed</th>
                <th>Credits</th>
                <th>Compare</th>
              </tr>
            </thead>
            <tbody>
              {evalRuns.map((r) => (
                <tr key={r.id} className="border-t border-neutral-200 dark:border-neutral-800">
                  <td className="py-2 text-xs">{when(r.createdAt)}</td>
                  <td>{targetOf(r)}</td>
                  <td>{r.status}</td>
                  <td className={r.failed ? "text-red-700 dark:text-red-400" : "text-green-700 dark:text-green-400"}>
                    {r.passed}/{r.cases}
                  </td>
                  <td>{r.creditsCharged}</td>
                  <td className="text-xs">
                    <Link className="underline" href={`?a=${r.id}${compare.b ? `&b=${compare.b.run.id}` : ""}`}>
                      as A
                    </Link>
                    {" · "}
                    <Link className="underline" href={`?${compare.a ? `a=${compare.a.run.id}&` : ""}b=${r.id}`}>
                      as B
                    </Link>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      {compare.a || compare.b ? <SideBySide cases={cases} a={compare.a} b={compare.b} /> : null}
    </>
  );
}

function SideBySide({ cases, a, b }: { cases: Data["cases"]; a: Side; b: Side }) {
  const head = (s: Side, name: string) =>
    s ? `${name}: ${targetOf(s.run)} · ${s.run.passed}/${s.run.cases} passed · ${s.run.creditsCharged} credits` : `${name}: –`;
  return (
    <Card title="Side by side">
      <p className="mb-3 text-sm" data-testid="compare-totals">
        <strong>{head(a, "A")}</strong> <span className="mx-2">vs</span> <strong>{head(b, "B")}</strong>
      </p>
      <div className="overflow-x-auto">
        <table className="w-full text-sm" data-testid="eval-compare">
          <thead className="text-left text-neutral-500">
            <tr>
              <th className="py-2">Case</th>
              <th>A</th>
              <th>B</th>
              <th>Tokens A / B</th>
              <th>Latency A / B</th>
              <th>Credits A / B</th>
            </tr>
          </thead>
          <tbody>
            {cases.map((c) => {
              const x = a?.results.get(c.id);
              const y = b?.results.get(c.id);
              return (
                <tr key={c.id} className="border-t border-neutral-200 align-top dark:border-neutral-800" data-testid={`compare-${c.id}`}>
                  <td className="py-2">
                    {c.name}
                    {x && y ? <LineDiff label="Output B → A" before={y.output} after={x.output} /> : null}
                  </td>
                  <td>
                    <Verdict r={x} />
                  </td>
                  <td>
                    <Verdict r={y} />
                  </td>
                  <td>
                    {x?.totalTokens ?? "–"} / {y?.totalTokens ?? "–"}
                  </td>
                  <td>
                    {x?.latencyMs ?? "–"} / {y?.latencyMs ?? "–"} ms
                  </td>
                  <td>
                    {x?.creditsCharged ?? "–"} / {y?.creditsCharged ?? "–"}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </Card>
  );
}

function Verdict({
  r,
}: {
  r:
    | {
        passed: boolean;
        checks: { type: string; ok: boolean; message: string; score?: number; reason?: string }[];
        error: string | null;
        output: string;
      }
    | undefined;
}) {
  if (!r) return <span className="text-neutral-500">not run</span>;
  return (
    <div className="max-w-xs text-xs">
      <span className={`rounded px-1.5 font-medium ${r.passed ? "bg-green-100 text-green-800" : "bg-red-100 text-red-800"}`}>
        {r.passed ? "pass" : "fail"}
      </span>
      {r.error ? <div className="text-red-700 dark:text-red-400">{r.error}</div> : null}
      {r.checks
        .filter((c) => !c.ok && c.type !== "judge")
        .map((c, i) => (
          <div key={i} className="text-red-700 dark:text-red-400">
            {c.message}
          </div>
        ))}
      {/* Every judge's score and reason, passing or not: the reason is the point of a judge. */}
      {r.checks
        .filter((c) => c.type === "judge")
        .map((c, i) => (
          <div
            key={`j${i}`}
            className={c.ok ? "text-green-800 dark:text-green-400" : "text-red-700 dark:text-red-400"}
            data-testid="judge-verdict"
          >
            judge {c.score ?? "—"}: {c.reason ?? c.message}
          </div>
        ))}
      <div className="mt-1 truncate text-neutral-500" title={r.output}>
        {r.output || "(empty)"}
      </div>
    </div>
  );
}
