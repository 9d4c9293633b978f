import { Card, Empty } from "@/components/ui";
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
        {packs.length === 0 ? (
          <Empty>No packs: orgs cannot buy credits until one is on sale.</Empty>
        ) : (
          <table className="w-full text-sm" data-testid="packs">
            <caption className="sr-only">Credit packs, on sale and archived</caption>
            <thead className={`text-left ${muted}`}>
              <tr>
                <th scope="col" className="py-2 pr-3 font-medium">
                  Pack
                </th>
                <th scope="col" className="pr-3 text-right font-medium">
                  Credits
                </th>
                <th scope="col" className="pr-3 text-right font-medium">
                  Price
                </th>
                <th scope="col" className="pr-3 font-medium">
                  State
                </th>
                <th scope="col" className="font-medium">
                  <span className="sr-only">Archive</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {packs.map((p) => (
                <tr key={p.pack_id} className="border-t border-neutral-200 dark:border-neutral-800">
                  <td className="py-1.5 pr-3">
                    {p.name} <span className={`block font-mono text-xs ${muted}`}>{p.pack_id}</span>
                  </td>
                  <td className="pr-3 text-right tabular-nums">{p.credits.toLocaleString("en-US")}</td>
                  <td className="pr-3 text-right tabular-nums">{money(p.price_cents, p.currency)}</td>
                  <td className="pr-3">{p.archived ? "archived" : "on sale"}</td>
                  <td>{p.archived ? null : <ArchivePackButton packId={p.pack_id} name={p.name} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
