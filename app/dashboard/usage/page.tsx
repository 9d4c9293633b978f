import Link from "next/link";
import { BarChart } from "@/components/bar-chart";
import { Button, Card, Empty } from "@/components/ui";
import { requireOrgPage } from "@/lib/auth/current-user";
import { RUN_SOURCES, RUN_STATUSES, usagePageData } from "@/lib/dashboard/page-data";
import { SplitComparison } from "./split-comparison";

export const dynamic = "force-dynamic";

const select = "rounded-md border border-neutral-300 bg-white px-2 py-1.5 text-sm dark:border-neutral-700 dark:bg-neutral-900";

export default async function UsagePage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  const me = await requireOrgPage();
  const q = await searchParams;
  const { balance, ledger, runs, days, workflows, splits } = await usagePageData(me.orgId, {
    workflow: q.workflow,
    status: q.status,
    source: q.source,
  });
  const filtered = !!(q.workflow || q.status || q.source);
  return (
    <>
      <h1 className="text-2xl font-semibold">Usage</h1>
      <div className="grid gap-6 md:grid-cols-3">
        <Card title="Credit balance">
          <p className="text-3xl font-semibold" data-testid="balance">
            {balance.toLocaleString("en-US")}
          </p>
          <p className="mt-1 text-xs text-neutral-500">Runs reserve their worst case and are charged what they used.</p>
        </Card>
        <Card title="Tokens per day">
          <BarChart label="Tokens" unit="tokens" data={days.map((d) => ({ day: d.day, value: d.tokens }))} />
        </Card>
        <Card title="Runs per day">
          <BarChart label="Runs" unit="runs" data={days.map((d) => ({ day: d.day, value: d.runs }))} />
        </Card>
      </div>
      <SplitComparison splits={splits} />
      <Card title="Runs">
        <form className="mb-4 flex flex-wrap items-end gap-2" method="get">
          <select name="workflow" defaultValue={q.workflow ?? ""} className={select} aria-label="Workflow">
            <option value="">All workflows</option>
            {workflows.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
          <select name="status" defaultValue={q.status ?? ""} className={select} aria-label="Status">
            <option value="">Any status</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <select name="source" defaultValue={q.source ?? ""} className={select} aria-label="Source">
            <option value="">Any source</option>
            {RUN_SOURCES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
          <Button type="submit" variant="secondary">
            Filter
          </Button>
          {filtered ? (
            <Link href="/dashboard/usage" className="text-sm underline">
              Clear
            </Link>
          ) : null}
        </form>
        {runs.length === 0 ? (
          <Empty>
            {filtered
              ? "No runs match these filters."
              : "No runs yet. Try a workflow in its playground, or publish it, create a key and call it."}
          </Empty>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-sm" data-testid="runs">
              <thead className="text-left text-neutral-500">
                <tr>
                  <th className="py-2">Run</th>
                  <th>Workflow</th>
                  <th>Version</th>
                  <th>Status</th>
                  <th>Source</th>
                  <th>Tokens</th>
                  <th>Credits</th>
                  <th>Latency</th>
                  <th>When (UTC)</th>
                </tr>
              </thead>
              <tbody>
                {runs.map((r) => (
                  <tr key={r.id} className="border-t border-neutral-200 dark:border-neutral-800">
                    <td className="py-2 font-mono text-xs">
                      <Link className="underline" href={`/dashboard/runs/${r.id}`}>
                        {r.id}
                      </Link>
                    </td>
                    <td>{r.workflowName}</td>
                    <td>{r.versionNumber ? `v${r.versionNumber}` : r.source === "playground" ? "draft" : "–"}</td>
                    <td>
                      {r.status}
                      {r.errorCode ? ` (${r.errorCode})` : ""}
                    </td>
                    <td>{r.source}</td>
                    <td>{r.inputTokens + r.outputTokens}</td>
                    <td>{r.creditsCharged}</td>
                    <td>{r.latencyMs ?? "–"} ms</td>
                    <td className="whitespace-nowrap text-xs">{r.createdAt.toISOString().slice(0, 19).replace("T", " ")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <Card title="Ledger">
        {ledger.length === 0 ? (
          <Empty>No ledger entries yet.</Empty>
        ) : (
          <table className="w-full text-sm" data-testid="ledger">
            <thead className="text-left text-neutral-500">
              <tr>
                <th className="py-2">When (UTC)</th>
                <th>Kind</th>
                <th>Amount</th>
                <th>Balance after</th>
                <th>Run</th>
              </tr>
            </thead>
            <tbody>
              {ledger.map((e) => (
                <tr key={e.id} className="border-t border-neutral-200 font-mono text-xs dark:border-neutral-800">
                  <td className="py-1.5">{e.createdAt.toISOString().slice(0, 19).replace("T", " ")}</td>
                  <td>{e.kind}</td>
                  <td className={e.amount < 0 ? "text-red-700 dark:text-red-400" : "text-green-700 dark:text-green-400"}>
                    {e.amount > 0 ? "+" : ""}
                    {e.amount}
                  </td>
                  <td>{e.balanceAfter}</td>
                  <td>
                    {e.runId ? (
                      <Link className="underline" href={`/dashboard/runs/${e.runId}`}>
                        {e.runId}
                      </Link>
                    ) : (
                      "–"
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
