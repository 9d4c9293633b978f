import { ColumnChart } from "@/components/column-chart";
import { Card, Empty } from "@/components/ui";
import { requireOperator } from "@/lib/operator/require-operator";
import { operatorProviders } from "@/lib/operator-console/providers";

export const dynamic = "force-dynamic";

const muted = "text-neutral-600 dark:text-neutral-300";
const BREAKER_LOOK = {
  closed: "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200",
  "half-open": "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200",
  open: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-200",
};

// GET /operator/providers – the configured LLM providers, this instance's circuit breakers, the last hour's calls.
export default async function OperatorProvidersPage() {
  await requireOperator();
  const providers = await operatorProviders();
  return (
    <>
      <h1 className="text-2xl font-semibold">Providers</h1>
      <p className={`text-sm ${muted}`}>
        Configured with <code>OPENAI_*</code> and <code>FLOWGATE_PROVIDERS</code> (keys are never shown). A circuit breaker is per instance:
        this is the view of the instance that served this page. Calls are counted from every instance&apos;s runs.
      </p>
      {providers.length === 0 ? (
        <Empty>No provider is configured: workflows run on the offline model.</Empty>
      ) : (
        <>
          <Card title="Model calls per provider, last hour">
            <ColumnChart
              testId="chart-providers"
              label="Model calls per provider, last hour"
              unit="calls"
              series={[
                { name: "Succeeded", color: "emerald" },
                { name: "Failed", color: "red" },
                { name: "Skipped (breaker open)", color: "amber" },
              ]}
              data={providers.map((p) => ({ key: p.name, values: [p.lastHour.succeeded, p.lastHour.failed, p.lastHour.skipped] }))}
              labelEvery={1}
            />
          </Card>
          <Card>
            <table className="w-full text-sm" data-testid="providers">
              <caption className="sr-only">Providers and their circuit breakers</caption>
              <thead className={`text-left ${muted}`}>
                <tr>
                  <th scope="col" className="py-2 pr-3 font-medium">
                    Provider
                  </th>
                  <th scope="col" className="pr-3 font-medium">
                    Base URL
                  </th>
                  <th scope="col" className="pr-3 font-medium">
                    API
                  </th>
                  <th scope="col" className="pr-3 font-medium">
                    Key
                  </th>
                  <th scope="col" className="pr-3 font-medium">
                    Breaker
                  </th>
                  <th scope="col" className="text-right font-medium">
                    Calls, last hour
                  </th>
                </tr>
              </thead>
              <tbody>
                {providers.map((p) => (
                  <tr key={p.name} className="border-t border-neutral-200 align-top dark:border-neutral-800">
                    <td className="py-2 pr-3 font-mono">{p.name}</td>
                    <td className="pr-3 break-all">{p.baseUrl ?? <span className={muted}>not configured any more</span>}</td>
                    <td className="pr-3">{p.api ?? "—"}</td>
                    <td className="pr-3">{p.configured ? (p.keyConfigured ? "set" : "none") : "—"}</td>
                    <td className="pr-3">
                      <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${BREAKER_LOOK[p.breaker.state]}`}>
                        {p.breaker.state}
                      </span>
                      <span className={`block text-xs ${muted}`}>
                        {p.breaker.failures} of {p.breaker.threshold} failures in a row
                        {p.breaker.openUntil ? `, open until ${p.breaker.openUntil.toISOString().slice(11, 19)} UTC` : ""}
                      </span>
                    </td>
                    <td className="text-right tabular-nums">
                      {p.lastHour.succeeded} ok · {p.lastHour.failed} failed · {p.lastHour.skipped} skipped
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
        </>
      )}
    </>
  );
}
