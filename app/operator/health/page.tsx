import { ChartCard } from "@/components/chart-card";
import { DataTable } from "@/components/data-table";
import { Card } from "@/components/ui";
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
        <ChartCard
          title="Runs per minute, last hour"
          note={
            <p className={`mb-2 text-sm ${muted}`}>
              {lastHourRuns.toLocaleString("en-US")} runs, {lastHourErrors.toLocaleString("en-US")} failed (UTC minutes)
            </p>
          }
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
        <ChartCard
          title="Errors per minute, last hour"
          testId="chart-errors"
          label="Failed runs per minute, last hour"
          unit="failed runs"
          series={[{ name: "Failed", color: "red" }]}
          data={h.runs.map((m) => ({ key: m.minute, values: [m.errors] }))}
          labelEvery={10}
        />
        <ChartCard
          title="Job queue depth"
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
        <ChartCard
          title="Oldest job per kind"
          testId="chart-queue-age"
          label="Age of the oldest job per kind"
          unit="seconds"
          series={[{ name: "Oldest job, seconds", color: "amber" }]}
          data={h.queue.map((q) => ({ key: q.kind, values: [q.oldestAgeS] }))}
          labelEvery={1}
        >
          <div className="mt-3">
            <DataTable
              caption="The job queue per kind"
              testId="queue-table"
              density="compact"
              rows={h.queue}
              rowKey={(q) => q.kind}
              columns={[
                { header: "Kind", className: "font-mono text-xs", cell: (q) => q.kind },
                { header: "Depth", numeric: true, cell: (q) => q.depth },
                { header: "Due", numeric: true, cell: (q) => q.due },
                { header: "Oldest", numeric: true, cell: (q) => (q.depth ? age(q.oldestAgeS) : "—") },
              ]}
            />
          </div>
        </ChartCard>
        <ChartCard
          title="Webhook deliveries, last 24 hours"
          note={
            <p className={`mb-2 text-sm ${muted}`} data-testid="webhook-failure-rate">
              Failure rate:{" "}
              {h.webhookFailureRate === null
                ? "no settled deliveries"
                : `${(h.webhookFailureRate * 100).toFixed(1)} % of settled deliveries`}
            </p>
          }
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
        <ChartCard
          title="Mail, last 24 hours"
          testId="chart-mail"
          label="Mail per status, last 24 hours"
          unit="messages"
          series={[{ name: "Messages", color: "indigo" }]}
          data={h.mail.map((m) => ({ key: m.status, values: [m.count] }))}
          labelEvery={1}
        />
      </div>
      <Card title="Mail log">
        <DataTable
          caption="The 50 newest messages"
          testId="mail-log"
          empty="No mail sent yet."
          density="compact"
          align="baseline"
          scroll
          rows={h.recentMail}
          rowKey={(m) => m.id}
          columns={[
            { header: "When", className: "whitespace-nowrap", cell: (m) => m.createdAt.toISOString().slice(0, 16).replace("T", " ") },
            { header: "Kind", className: "font-mono text-xs", cell: (m) => m.kind },
            { header: "To", className: "break-all", cell: (m) => m.toAddress },
            { header: "Status", cell: (m) => `${m.status}${m.attempts > 1 ? ` (${m.attempts} attempts)` : ""}` },
            { header: "Last error", className: "break-all", cell: (m) => m.lastError ?? "" },
          ]}
        />
      </Card>
    </>
  );
}
