import Link from "next/link";
import { notFound } from "next/navigation";
import { ChartCard } from "@/components/chart-card";
import { DataTable } from "@/components/data-table";
import { Card, Empty } from "@/components/ui";
import { requireOperator } from "@/lib/operator/require-operator";
import { operatorOrgDetail } from "@/lib/operator-console/org-detail";
import { pageNumber } from "@/lib/operator-console/list-orgs";
import { StatusBadge } from "../../badges";
import { OrgActions } from "./org-actions";

export const dynamic = "force-dynamic";

const n = (v: number) => v.toLocaleString("en-US");
const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace("T", " ") : "—");
const muted = "text-neutral-600 dark:text-neutral-300";

// GET /operator/orgs/:id – one org: usage, ledger, keys, webhooks' health, audit log, and the operator's actions.
export default async function OperatorOrgPage({
  params,
  searchParams,
}: {
  params: Promise<{ id: string }>;
  searchParams: Promise<Record<string, string | undefined>>;
}) {
  await requireOperator();
  const { id } = await params;
  const q = await searchParams;
  const d = await operatorOrgDetail(id, { ledgerPage: pageNumber(q.ledger) });
  if (!d) notFound();
  const { org } = d;
  return (
    <>
      <div className="space-y-1">
        <Link href="/operator" className="text-sm underline">
          ← Organizations
        </Link>
        <h1 className="flex flex-wrap items-center gap-3 text-2xl font-semibold">
          {org.name} <StatusBadge suspended={org.suspended} reason={org.suspendedReason} />
        </h1>
        <p className={`font-mono text-xs ${muted}`}>{org.id}</p>
        {org.suspended ? (
          <p className="text-sm text-red-800 dark:text-red-200" data-testid="suspension">
            Suspended {when(org.suspendedAt)}: {org.suspendedReason}
          </p>
        ) : null}
      </div>

      <div className="grid gap-6 lg:grid-cols-3">
        <Card title="Balance">
          <p className="text-3xl font-semibold tabular-nums" data-testid="operator-balance">
            {n(org.balance)}
          </p>
          <p className={`mt-1 text-xs ${muted}`}>
            {d.members.length} member{d.members.length === 1 ? "" : "s"} · created {when(org.createdAt)}
          </p>
        </Card>
        <ChartCard
          title="Credits per day, 30 days"
          label="Credits charged per day, last 30 days"
          unit="credits"
          series={[{ name: "Credits", color: "indigo" }]}
          data={d.days.map((x) => ({ key: x.day.slice(5), values: [x.credits] }))}
        />
        <ChartCard
          title="Runs per day, 30 days"
          label="Runs per day, last 30 days"
          unit="runs"
          series={[{ name: "Runs", color: "sky" }]}
          data={d.days.map((x) => ({ key: x.day.slice(5), values: [x.runs] }))}
        />
      </div>

      <OrgActions orgId={org.id} suspended={org.suspended} />

      <Card title="Ledger">
        <DataTable
          caption="Ledger entries, newest first"
          testId="operator-ledger"
          empty="No ledger entries."
          align="baseline"
          scroll
          rows={d.ledger.entries}
          rowKey={(e) => e.id}
          columns={[
            { header: "When", className: "whitespace-nowrap", cell: (e) => when(e.createdAt) },
            { header: "Kind", className: "font-mono text-xs", cell: (e) => e.kind },
            { header: "Amount", numeric: true, cell: (e) => (e.amount > 0 ? "+" : "") + n(e.amount) },
            { header: "Balance after", numeric: true, cell: (e) => n(e.balanceAfter) },
            {
              header: "Note",
              className: "break-all",
              cell: (e) => e.note || (e.runId ? <span className="font-mono text-xs">{e.runId}</span> : ""),
            },
          ]}
        />
        <nav aria-label="Ledger pages" className="mt-3 flex justify-between text-sm">
          {d.ledger.page > 1 ? (
            <Link className="underline" href={`/operator/orgs/${org.id}?ledger=${d.ledger.page - 1}`}>
              Newer entries
            </Link>
          ) : (
            <span />
          )}
          {d.ledger.hasNext ? (
            <Link className="underline" href={`/operator/orgs/${org.id}?ledger=${d.ledger.page + 1}`}>
              Older entries
            </Link>
          ) : (
            <span />
          )}
        </nav>
      </Card>

      <div className="grid gap-6 lg:grid-cols-2">
        <Card title="Members">
          {d.members.length === 0 ? (
            <Empty>No members: an org made with the admin CLI has none until someone is invited.</Empty>
          ) : (
            <ul className="space-y-1 text-sm">
              {d.members.map((m) => (
                <li key={m.userId}>
                  {m.email} <span className={muted}>· {m.role}</span>
                </li>
              ))}
            </ul>
          )}
        </Card>
        <Card title="API keys">
          <DataTable
            caption="API keys, by display prefix"
            testId="operator-keys"
            empty="No keys."
            rows={d.keys}
            rowKey={(k) => k.id}
            columns={[
              {
                header: "Key",
                cell: (k) => (
                  <>
                    {k.name} <span className="font-mono text-xs">{k.prefix}…</span>
                  </>
                ),
              },
              { header: "Scopes", cell: (k) => k.scopes.join(", ") },
              { header: "Last used", className: "whitespace-nowrap", cell: (k) => when(k.lastUsedAt) },
              {
                header: "State",
                cell: (k) => (k.revokedAt ? "revoked" : k.expiresAt && k.expiresAt < new Date() ? "expired" : "active"),
              },
            ]}
          />
        </Card>
      </div>

      <Card title={`Webhooks, last ${d.webhookWindowDays} days`}>
        <DataTable
          caption="Webhook endpoints and their deliveries"
          testId="operator-webhooks"
          empty="No webhook endpoints."
          align="baseline"
          rows={d.webhooks}
          rowKey={(w) => w.id}
          columns={[
            { header: "Endpoint", className: "break-all", cell: (w) => w.url },
            { header: "Delivered", numeric: true, cell: (w) => n(w.delivered) },
            { header: "Failed", numeric: true, cell: (w) => n(w.failed) },
            { header: "Pending", numeric: true, cell: (w) => n(w.pending) },
            {
              header: "Health",
              cell: (w) =>
                w.disabledAt
                  ? `disabled: ${w.disabledReason ?? ""}`
                  : w.circuitOpenUntil && w.circuitOpenUntil > new Date()
                    ? `paused until ${when(w.circuitOpenUntil)}`
                    : w.failingSince
                      ? `failing since ${when(w.failingSince)}`
                      : "healthy",
            },
          ]}
        />
      </Card>

      <Card title="Audit log">
        <DataTable
          caption="The org's audit log, newest first (50 entries)"
          testId="operator-audit"
          empty="Nothing recorded yet."
          align="baseline"
          rows={d.audit}
          rowKey={(e) => e.id}
          columns={[
            { header: "When", className: "whitespace-nowrap", cell: (e) => when(e.at) },
            {
              header: "Who",
              cell: (e) => e.actorEmail ?? (e.actorKeyName ? `key ${e.actorKeyPrefix}` : e.actorId ? "a former user" : "system"),
            },
            { header: "Action", className: "font-mono text-xs", cell: (e) => e.action },
            { header: "Details", className: "font-mono text-xs break-all", cell: (e) => JSON.stringify(e.details) },
          ]}
        />
      </Card>
    </>
  );
}
