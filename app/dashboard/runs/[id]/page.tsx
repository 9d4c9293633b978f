import Link from "next/link";
import { notFound } from "next/navigation";
import { Card } from "@/components/ui";
import { requireOrgPage } from "@/lib/auth/current-user";
import { runPageData } from "@/lib/dashboard/page-data";
import { isAppError } from "@/lib/errors";
import { redactionNote } from "@/lib/retention/redaction-note";
import { AddToDataset } from "./add-to-dataset";
import { RunSteps } from "./run-steps";

export const dynamic = "force-dynamic";

export default async function RunPage({ params }: { params: Promise<{ id: string }> }) {
  const me = await requireOrgPage();
  const { id } = await params;
  const data = await runPageData(me.orgId, id).catch((e) => (isAppError(e) ? null : Promise.reject(e)));
  if (!data) notFound();
  const { run: r, workflowName, version } = data;
  const facts: Array<[string, React.ReactNode]> = [
    ["Status", `${r.status}${r.errorCode ? ` (${r.errorCode})` : ""}`],
    [
      "Workflow",
      <Link key="w" className="underline" href={`/dashboard/workflows/${r.workflowId}`}>
        {workflowName}
      </Link>,
    ],
    ["Version", version ? `v${version}` : r.source === "playground" ? "draft (playground)" : "–"],
    ["Source", `${r.source}${r.protocol ? ` · ${r.protocol}` : ""}`],
    ["Model", r.model],
    ["Tokens", `${r.inputTokens} in · ${r.outputTokens} out`],
    ["Credits", `${r.creditsCharged} charged (reserved ${r.creditsReserved})`],
    // The prices the run reserved (and settled) at, whatever they are now.
    [
      "Price",
      r.prices
        ? Object.entries(r.prices)
            .map(([m, p]) => `${m}: ${p.input.toLocaleString("en-US")} in / ${p.output.toLocaleString("en-US")} out per 1M tokens`)
            .join(" · ")
        : "–",
    ],
    ["Latency", r.latencyMs === null ? "–" : `${r.latencyMs} ms (first token ${r.firstTokenMs ?? "–"} ms)`],
    ["Started", `${r.createdAt.toISOString().replace("T", " ").slice(0, 19)} UTC`],
    ["End user / session", `${r.endUser ?? "–"} / ${r.sessionId ?? "–"}`],
  ];
  return (
    <>
      <div>
        <Link href="/dashboard/usage" className="text-sm underline">
          ← Usage
        </Link>
        <h1 className="mt-2 font-mono text-xl font-semibold">{r.id}</h1>
      </div>
      {me.role !== "member" && r.status === "completed" ? (
        <div>
          <AddToDataset orgId={me.orgId} runId={r.id} />
        </div>
      ) : null}
      <Card>
        <dl className="grid grid-cols-[10rem_1fr] gap-x-4 gap-y-1.5 text-sm" data-testid="run-facts">
          {facts.map(([k, v]) => (
            <div key={k} className="contents">
              <dt className="text-neutral-500">{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      </Card>
      {r.attempts?.length ? (
        <Card title="Model calls">
          <table className="w-full text-left text-sm" data-testid="run-attempts">
            <thead className="text-neutral-500">
              <tr>
                <th>#</th>
                <th>Model</th>
                <th>Status</th>
                <th>Error</th>
                <th>Duration</th>
                <th>Tokens</th>
              </tr>
            </thead>
            <tbody>
              {r.attempts.map((a, i) => (
                <tr key={i}>
                  <td>{i + 1}</td>
                  <td className="font-mono">{a.model}</td>
                  <td>{a.status}</td>
                  <td>{a.error_class ? `${a.error_class}${a.http_status ? ` (HTTP ${a.http_status})` : ""}` : "–"}</td>
                  <td>{a.duration_ms} ms</td>
                  <td>
                    {a.input_tokens} in · {a.output_tokens} out
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      ) : null}
      {r.steps?.length ? <RunSteps steps={r.steps} stopReason={r.stopReason} /> : null}
      {r.errorMessage ? (
        <Card title="Error">
          <p role="alert" className="text-sm text-red-700 dark:text-red-400">
            {r.errorMessage}
          </p>
        </Card>
      ) : null}
      {r.redactedAt ? (
        <p
          data-testid="run-redacted"
          className="rounded-md bg-neutral-100 p-3 text-sm text-neutral-700 dark:bg-neutral-900 dark:text-neutral-300"
        >
          {redactionNote(r.redactedAfterDays)} on {r.redactedAt.toISOString().slice(0, 10)}.
        </p>
      ) : null}
      <Card title="Inputs">
        <pre className="overflow-x-auto rounded bg-neutral-100 p-3 text-xs dark:bg-neutral-900">{JSON.stringify(r.inputs, null, 2)}</pre>
      </Card>
      <Card title="Output">
        <pre data-testid="run-output" className="whitespace-pre-wrap rounded bg-neutral-100 p-3 text-sm dark:bg-neutral-900">
          {r.output || "(empty)"}
        </pre>
      </Card>
      {r.citations.length ? (
        <Card title="Citations">
          <ul className="list-disc pl-5 text-sm">
            {r.citations.map((c) => (
              <li key={c}>
                {/^https?:\/\//.test(c) ? (
                  <a className="underline" href={c} rel="noreferrer noopener" target="_blank">
                    {c}
                  </a>
                ) : (
                  c
                )}
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
    </>
  );
}
