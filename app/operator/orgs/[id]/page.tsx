import Link from "next/link";
import { notFound } from "next/navigation";
import { ColumnChart } from "@/components/column-chart";
import { Card, Empty } from "@/components/ui";
import { requireOperator } from "@/lib/operator/require-operator";
import { operatorOrgDetail } from "@/lib/operator-console/org-detail";
import { pageNumber } from "@/lib/operator-console/list-orgs";
import { StatusBadge } from "../../badges";
import { OrgActions } from "./org-actions";

export const dynamic = "force-dynamic";

const n = (v: number) => v.toLocaleString("en-US");
const when = (d: Date | null) => (d ? d.toISOString().slice(0, 16).replace("T", " ") : "—");
const th = "py-2 pr-3 font-medium";
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
        <Card title="Credits per day, 30 days">
          <ColumnChart
            label="Credits charged per day, last 30 days"
            unit="credits"
            series={[{ name: "Credits", color: "indigo" }]}
            data={d.days.map((x) => ({ key: x.day.slice(5), values: [x.credits] }))}
          />
        </Card>
        <Card title="Runs per day, 30 days">
          <ColumnChart
            label="Runs per day, last 30 days"
            unit="runs"
            series={[{ name: "Runs", color: "sky" }]}
            data={d.days.map((x) => ({ key: x.day.slice(5), values: [x.runs] }))}
          />
        </Card>
      </div>

      <OrgActions orgId={org.id} suspended={org.suspended} />

      <Card title="Ledger">
        {d.ledger.entries.length === 0 ? (
          <Empty>No ledger entries.</Empty>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-sm" data-testid="operator-ledger">
              <caption className="sr-only">Ledger entries, newest first</caption>
              <thead className={`text-left ${muted}`}>
                <tr>
                  <th scope="col" className={th}>
                    When
                  </th>
                  <th scope="col" className={th}>
                    Kind
                  </th>
                  <th scope="col" className={`${th} text-right`}>
                    Amount
                  </th>
                  <th scope="col" className={`${th} text-right`}>
                    Balance after
                  </th>
                  <th scope="col" className={th}>
                    Note
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.ledger.entries.map((e) => (
                  <tr key={e.id} className="border-t border-neutral-200 align-baseline dark:border-neutral-800">
                    <td className="py-1.5 pr-3 whitespace-nowrap">{when(e.createdAt)}</td>
                    <td className="pr-3 font-mono text-xs">{e.kind}</td>
                    <td className="pr-3 text-right tabular-nums">{(e.amount > 0 ? "+" : "") + n(e.amount)}</td>
                    <td className="pr-3 text-right tabular-nums">{n(e.balanceAfter)}</td>
                    <td className="break-all">{e.note || (e.runId ? <span className="font-mono text-xs">{e.runId}</span> : "")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
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
          {d.keys.length === 0 ? (
            <Empty>No keys.</Empty>
          ) : (
            <table className="w-full text-sm" data-testid="operator-keys">
              <caption className="sr-only">API keys, by display prefix</caption>
              <thead className={`text-left ${muted}`}>
                <tr>
                  <th scope="col" className={th}>
                    Key
                  </th>
                  <th scope="col" className={th}>
                    Scopes
                  </th>
                  <th scope="col" className={th}>
                    Last used
                  </th>
                  <th scope="col" className={th}>
                    State
                  </th>
                </tr>
              </thead>
              <tbody>
                {d.keys.map((k) => (
                  <tr key={k.id} className="border-t border-neutral-200 dark:border-neutral-800">
                    <td className="py-1.5 pr-3">
                      {k.name} <span className="font-mono text-xs">{k.prefix}…</span>
                    </td>
                    <td className="pr-3">{k.scopes.join(", ")}</td>
                    <td className="pr-3 whitespace-nowrap">{when(k.lastUsedAt)}</td>
                    <td>{k.revokedAt ? "revoked" : k.expiresAt && k.expiresAt < new Date() ? "expired" : "active"}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>

      <Card title={`Webhooks, last ${d.webhookWindowDays} days`}>
        {d.webhooks.length === 0 ? (
          <Empty>No webhook endpoints.</Empty>
        ) : (
          <table className="w-full text-sm" data-testid="operator-webhooks">
            <caption className="sr-only">Webhook endpoints and their deliveries</caption>
            <thead className={`text-left ${muted}`}>
              <tr>
                <th scope="col" className={th}>
                  Endpoint
                </th>
                <th scope="col" className={`${th} text-right`}>
                  Delivered
                </th>
                <th scope="col" className={`${th} text-right`}>
                  Failed
                </th>
                <th scope="col" className={`${th} text-right`}>
                  Pending
                </th>
                <th scope="col" className={th}>
                  Health
                </th>
              </tr>
            </thead>
            <tbody>
              {d.webhooks.map((w) => (
                <tr key={w.id} className="border-t border-neutral-200 align-baseline dark:border-neutral-800">
                  <td className="py-1.5 pr-3 break-all">{w.url}</td>
                  <td className="pr-3 text-right tabular-nums">{n(w.delivered)}</td>
                  <td className="pr-3 text-right tabular-nums">{n(w.failed)}</td>
                  <td className="pr-3 text-right tabular-nums">{n(w.pending)}</td>
                  <td>
                    {w.disabledAt
                      ? `disabled: ${w.disabledReason ?? ""}`
                      : w.circuitOpenUntil && w.circuitOpenUntil > new Date()
                        ? `paused until ${when(w.circuitOpenUntil)}`
                        : w.failingSince
                          ? `failing since ${when(w.failingSince)}`
                          : "healthy"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>

      <Card title="Audit log">
        {d.audit.length === 0 ? (
          <Empty>Nothing recorded yet.</Empty>
        ) : (
          <table className="w-full text-sm" data-testid="operator-audit">
            <caption className="sr-only">The org&apos;s audit log, newest first (50 entries)</caption>
            <thead className={`text-left ${muted}`}>
              <tr>
                <th scope="col" className={th}>
                  When
                </th>
                <th scope="col" className={th}>
                  Who
                </th>
                <th scope="col" className={th}>
                  Action
                </th>
                <th scope="col" className={th}>
                  Details
                </th>
              </tr>
            </thead>
            <tbody>
              {d.audit.map((e) => (
                <tr key={e.id} className="border-t border-neutral-200 align-baseline dark:border-neutral-800">
                  <td className="py-1.5 pr-3 whitespace-nowrap">{when(e.at)}</td>
                  <td className="pr-3">
                    {e.actorEmail ?? (e.actorKeyName ? `key ${e.actorKeyPrefix}` : e.actorId ? "a former user" : "system")}
                  </td>
                  <td className="pr-3 font-mono text-xs">{e.action}</td>
                  <td className="font-mono text-xs break-all">{JSON.stringify(e.details)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
