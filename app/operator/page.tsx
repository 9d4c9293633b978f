import Link from "next/link";
import { DataTable } from "@/components/data-table";
import { Button, Card } from "@/components/ui";
import { requireOperator } from "@/lib/operator/require-operator";
import { listOperatorOrgs, pageNumber } from "@/lib/operator-console/list-orgs";
import { StatusBadge, FlagBadge } from "./badges";

export const dynamic = "force-dynamic";

const n = (v: number) => v.toLocaleString("en-US");

// GET /operator – every org of the instance, searchable by name, id or a member's e-mail.
export default async function OperatorOrgsPage({ searchParams }: { searchParams: Promise<Record<string, string | undefined>> }) {
  await requireOperator();
  const q = await searchParams;
  const list = await listOperatorOrgs({ search: q.q, page: pageNumber(q.page) });
  const href = (page: number) => `/operator?${new URLSearchParams({ ...(list.search ? { q: list.search } : {}), page: String(page) })}`;
  return (
    <>
      <h1 className="text-2xl font-semibold">Organizations</h1>
      <Card>
        <form method="get" role="search" className="mb-4 flex flex-wrap items-end gap-2">
          <label className="flex-1 space-y-1">
            <span className="block text-sm font-medium">Search</span>
            <input
              type="search"
              name="q"
              defaultValue={list.search}
              maxLength={100}
              placeholder="Name, org id or a member's e-mail"
              className="w-full rounded-md border border-neutral-400 bg-white px-3 py-1.5 text-sm dark:border-neutral-600 dark:bg-neutral-900"
            />
          </label>
          <Button type="submit">Search</Button>
          {list.search ? (
            <Link href="/operator" className="text-sm underline">
              Clear
            </Link>
          ) : null}
        </form>
        <DataTable
          caption="Organizations, newest first"
          testId="operator-orgs"
          empty={list.search ? `No organization matches “${list.search}”.` : "No organizations yet."}
          density="relaxed"
          align="baseline"
          scroll
          rows={list.orgs}
          rowKey={(o) => o.id}
          columns={[
            {
              header: "Organization",
              cell: (o) => (
                <>
                  <Link href={`/operator/orgs/${o.id}`} className="font-medium text-indigo-700 underline dark:text-indigo-300">
                    {o.name}
                  </Link>
                  <span className="block font-mono text-xs text-neutral-600 dark:text-neutral-300">{o.id}</span>
                </>
              ),
            },
            { header: "Balance", numeric: true, cell: (o) => n(o.balance) },
            { header: "Credits, 30 days", numeric: true, cell: (o) => n(o.credits30d) },
            { header: "Runs, 30 days", numeric: true, cell: (o) => n(o.runs30d) },
            { header: "Members", numeric: true, cell: (o) => n(o.members) },
            { header: "Status", cell: (o) => <StatusBadge suspended={o.suspended} reason={o.suspendedReason} /> },
            {
              header: "Flags",
              cell: (o) =>
                o.flags.length ? (
                  <ul className="flex flex-wrap gap-1">
                    {o.flags.map((f) => (
                      <li key={f.kind}>
                        <FlagBadge label={f.label} />
                      </li>
                    ))}
                  </ul>
                ) : null,
            },
          ]}
        />
        <nav aria-label="Pages" className="mt-4 flex items-center justify-between text-sm">
          {list.page > 1 ? (
            <Link href={href(list.page - 1)} className="underline" rel="prev">
              Previous page
            </Link>
          ) : (
            <span />
          )}
          <span className="text-neutral-600 dark:text-neutral-300">Page {list.page}</span>
          {list.hasNext ? (
            <Link href={href(list.page + 1)} className="underline" rel="next">
              Next page
            </Link>
          ) : (
            <span />
          )}
        </nav>
      </Card>
    </>
  );
}
