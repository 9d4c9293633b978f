import { DataTable } from "@/components/data-table";
import { Card } from "@/components/ui";
import { listPacks } from "@/lib/billing/packs";
import { requireOperator } from "@/lib/operator/require-operator";
import { ArchivePackButton, CreatePackForm } from "./pack-forms";

export const dynamic = "force-dynamic";

const muted = "text-neutral-600 dark:text-neutral-300";
const money = (cents: number, currency: string) =>
  (cents / 100).toLocaleString("en-US", { style: "currency", currency: currency.toUpperCase() });

// GET /operator/packs – the credit packs orgs can buy (the admin CLI's `billing pack create|list|archive`).
export default async function OperatorPacksPage() {
  await requireOperator();
  const packs = await listPacks({ includeArchived: true });
  return (
    <>
      <h1 className="text-2xl font-semibold">Credit packs</h1>
      <p className={`text-sm ${muted}`}>
        What an org can buy with Stripe Checkout. A pack is never edited in place: archive it and create another; purchases keep the price
        they were made at. CLI: <code>npm run admin -- billing pack create|list|archive</code>
      </p>
      <Card title="New pack">
        <CreatePackForm />
      </Card>
      <Card title="Packs">
        <DataTable
          caption="Credit packs, on sale and archived"
          testId="packs"
          empty="No packs: orgs cannot buy credits until one is on sale."
          rows={packs}
          rowKey={(p) => p.pack_id}
          columns={[
            {
              header: "Pack",
              cell: (p) => (
                <>
                  {p.name} <span className={`block font-mono text-xs ${muted}`}>{p.pack_id}</span>
                </>
              ),
            },
            { header: "Credits", numeric: true, cell: (p) => p.credits.toLocaleString("en-US") },
            { header: "Price", numeric: true, cell: (p) => money(p.price_cents, p.currency) },
            { header: "State", cell: (p) => (p.archived ? "archived" : "on sale") },
            {
              header: "Archive",
              hideHeader: true,
              cell: (p) => (p.archived ? null : <ArchivePackButton packId={p.pack_id} name={p.name} />),
            },
          ]}
        />
      </Card>
    </>
  );
}
