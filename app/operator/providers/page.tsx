import { ChartCard } from "@/components/chart-card";
import { DataTable } from "@/components/data-table";
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
          <ChartCard
            title="Model calls per provider, last hour"
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
          <Card>
            <DataTable
              caption="Providers and their circuit breakers"
              testId="providers"
              density="relaxed"
              align="top"
              rows={providers}
              rowKey={(p) => p.name}
              columns={[
                { header: "Provider", className: "font-mono", cell: (p) => p.name },
                {
                  header: "Base URL",
                  className: "break-all",
                  cell: (p) => p.baseUrl ?? <span className={muted}>not configured any more</span>,
                },
                { header: "API", cell: (p) => p.api ?? "—" },
                { header: "Key", cell: (p) => (p.configured ? (p.keyConfigured ? "set" : "none") : "—") },
                {
                  header: "Breaker",
                  cell: (p) => (
                    <>
                      <span className={`rounded-full px-2 py-0.5 text-xs font-medium ${BREAKER_LOOK[p.breaker.state]}`}>
                        {p.breaker.state}
                      </span>
                      <span className={`block text-xs ${muted}`}>
                        {p.breaker.failures} of {p.breaker.threshold} failures in a row
                        {p.breaker.openUntil ? `, open until ${p.breaker.openUntil.toISOString().slice(11, 19)} UTC` : ""}
                      </span>
                    </>
                  ),
                },
                {
                  header: "Calls, last hour",
                  numeric: true,
                  cell: (p) => `${p.lastHour.succeeded} ok · ${p.lastHour.failed} failed · ${p.lastHour.skipped} skipped`,
                },
              ]}
            />
          </Card>
        </>
      )}
    </>
  );
}
