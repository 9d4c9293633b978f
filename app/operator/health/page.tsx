import { ColumnChart } from "@/components/column-chart";
import { Card, Empty } from "@/components/ui";
import { requireOperator } from "@/lib/operator/require-operator";
import { instanceHealth } from "@/lib/operator-console/instance-health";

export const dynamic = "force-dynamic";

const muted = "text-neutral-600 dark:text-neutral-300";
const age = (s: number) => (s < 60 ? `${s} s` : s < 3600 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);

// GET /operator/health – the job queue, runs and errors per minute, webhook failures and the mail log.
export default async function OperatorHealthPage() {
  await requireOperator();
  const h = await instanceHealth();
  const lastHourRuns = h.runs.reduce((a, m) => a + m.runs, 0);
  const lastHourErrors = h.runs.reduce((a, m) => a + m.errors, 0);
  return (
    <>
      <h1 className="text-2xl font-semibold">Instance health</h1>
      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Runs per minute, last hour">
          <p className={`mb-2 text-sm ${muted}`}>
            {lastHourRuns.toLocaleString("en-US")} runs, {lastHourErrors.toLocaleString("en-US")} failed (UTC minutes)
          </p>
          <ColumnChart
            testId="chart-runs"
            label="Runs per minute, last hour"
            unit="runs"
            series={[
              { name: "Succeeded or other", color: "indigo" },
              { name: "Failed", color: "red" },
            ]}
            data={h.runs.map((m) => ({ key: m.minute, values: [m.runs - m.errors, m.errors] }))}
            labelEvery={10}
          />
        </Card>
        <Card title="Errors per minute, last hour">
          <ColumnChart
            testId="chart-errors"
            label="Failed runs per minute, last hour"
            unit="failed runs"
            series={[{ name: "Failed", color: "red" }]}
            data={h.runs.map((m) => ({ key: m.minute, values: [m.errors] }))}
            labelEvery={10}
          />
        </Card>
        <Card title="Job queue depth">
          <ColumnChart
            testId="chart-queue"
            label="Jobs queued per kind"
            unit="jobs"
            series={[
              { name: "Leased (working)", color: "emerald" },
              { name: "Due, waiting", color: "amber" },
              { name: "Scheduled later", color: "sky" },
            ]}
            data={h.queue.map((q) => ({ key: q.kind, values: [q.leased, Math.max(0, q.due - q.leased), Math.max(0, q.depth - q.due)] }))}
            labelEvery={1}
          />
        </Card>
        <Card title="Oldest job per kind">
          <ColumnChart
            testId="chart-queue-age"
            label="Age of the oldest job per kind"
            unit="seconds"
            series={[{ name: "Oldest job, seconds", color: "amber" }]}
            data={h.queue.map((q) => ({ key: q.kind, values: [q.oldestAgeS] }))}
            labelEvery={1}
          />
          <table className="mt-3 w-full text-sm" data-testid="queue-table">
            <caption className="sr-only">The job queue per kind</caption>
            <thead className={`text-left ${muted}`}>
              <tr>
                <th scope="col" className="py-1 pr-3 font-medium">
                  Kind
                </th>
                <th scope="col" className="pr-3 text-right font-medium">
                  Depth
                </th>
                <th scope="col" className="pr-3 text-right font-medium">
                  Due
                </th>
                <th scope="col" className="text-right font-medium">
                  Oldest
                </th>
              </tr>
            </thead>
            <tbody>
              {h.queue.map((q) => (
                <tr key={q.kind} className="border-t border-neutral-200 dark:border-neutral-800">
                  <td className="py-1 pr-3 font-mono text-xs">{q.kind}</td>
                  <td className="pr-3 text-right tabular-nums">{q.depth}</td>
                  <td className="pr-3 text-right tabular-nums">{q.due}</td>
                  <td className="text-right tabular-nums">{q.depth ? age(q.oldestAgeS) : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
        <Card title="Webhook deliveries, last 24 hours">
          <p className={`mb-2 text-sm ${muted}`} data-testid="webhook-failure-rate">
            Failure rate:{" "}
            {h.webhookFailureRate === null ? "no settled deliveries" : `${(h.webhookFailureRate * 100).toFixed(1)} % of settled deliveries`}
          </p>
          <ColumnChart
            testId="chart-webhooks"
            label="Webhook deliveries per hour, last 24 hours"
            unit="deliveries"
            series={[
              { name: "Delivered", color: "emerald" },
              { name: "Failed", color: "red" },
              { name: "Pending", color: "amber" },
            ]}
            data={h.webhooks.map((w) => ({ key: w.hour.slice(11), values: [w.delivered, w.failed, w.pending] }))}
            labelEvery={4}
          />
        </Card>
        <Card title="Mail, last 24 hours">
          <ColumnChart
            testId="chart-mail"
            label="Mail per status, last 24 hours"
            unit="messages"
            series={[{ name: "Messages", color: "indigo" }]}
            data={h.mail.map((m) => ({ key: m.status, values: [m.count] }))}
            labelEvery={1}
          />
        </Card>
      </div>
      <Card title="Mail log">
        {h.recentMail.length === 0 ? (
          <Empty>No mail sent yet.</Empty>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-sm" data-testid="mail-log">
              <caption className="sr-only">The 50 newest messages</caption>
              <thead className={`text-left ${muted}`}>
                <tr>
                  <th scope="col" className="py-1 pr-3 font-medium">
                    When
                  </th>
                  <th scope="col" className="pr-3 font-medium">
                    Kind
                  </th>
                  <th scope="col" className="pr-3 font-medium">
                    To
                  </th>
                  <th scope="col" className="pr-3 font-medium">
                    Status
                  </th>
                  <th scope="col" className="font-medium">
                    Last error
                  </th>
                </tr>
              </thead>
              <tbody>
                {h.recentMail.map((m) => (
                  <tr key={m.id} className="border-t border-neutral-200 align-baseline dark:border-neutral-800">
                    <td className="py-1 pr-3 whitespace-nowrap">{m.createdAt.toISOString().slice(0, 16).replace("T", " ")}</td>
                    <td className="pr-3 font-mono text-xs">{m.kind}</td>
                    <td className="pr-3 break-all">{m.toAddress}</td>
                    <td className="pr-3">
                      {m.status}
                      {m.attempts > 1 ? ` (${m.attempts} attempts)` : ""}
                    </td>
                    <td className="break-all">{m.lastError ?? ""}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </>
  );
}
