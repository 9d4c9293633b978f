import { Card, Empty } from "@/components/ui";
import { listPrices } from "@/lib/llm/prices";
import { unpricedPolicy } from "@/lib/llm/catalogue";
import { requireOperator } from "@/lib/operator/require-operator";
import { PriceForm } from "./price-form";

export const dynamic = "force-dynamic";

const muted = "text-neutral-600 dark:text-neutral-300";

// GET /operator/prices – what each model costs in credits (the admin CLI's `model list` / `model price`).
export default async function OperatorPricesPage() {
  await requireOperator();
  const prices = await listPrices();
  const policy = unpricedPolicy();
  return (
    <>
      <h1 className="text-2xl font-semibold">Model prices</h1>
      <p className={`text-sm ${muted}`}>
        Credits per 1M tokens, by the model called. A change reaches every instance within the lookup cache&apos;s bound and applies to runs
        that start after it; a run keeps the price it reserved at. A model without a price{" "}
        {policy.refuse
          ? "is refused (UNPRICED_MODELS=refuse)"
          : `costs the default, ${policy.price.input.toLocaleString("en-US")} per 1M tokens`}
        . CLI: <code>npm run admin -- model price --model &lt;id&gt; --input &lt;n&gt; --output &lt;n&gt;</code>
      </p>
      <Card title="Set a price">
        <PriceForm />
      </Card>
      <Card title="Priced models">
        {prices.length === 0 ? (
          <Empty>No model has a price yet.</Empty>
        ) : (
          <table className="w-full text-sm" data-testid="prices">
            <caption className="sr-only">Model prices, credits per 1M tokens</caption>
            <thead className={`text-left ${muted}`}>
              <tr>
                <th scope="col" className="py-2 pr-3 font-medium">
                  Model
                </th>
                <th scope="col" className="pr-3 text-right font-medium">
                  Input
                </th>
                <th scope="col" className="pr-3 text-right font-medium">
                  Output
                </th>
                <th scope="col" className="pr-3 font-medium">
                  Updated
                </th>
                <th scope="col" className="font-medium">
                  <span className="sr-only">Edit</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {prices.map((p) => (
                <tr key={p.model} className="border-t border-neutral-200 dark:border-neutral-800">
                  <td className="py-1.5 pr-3 font-mono">{p.model}</td>
                  <td className="pr-3 text-right tabular-nums">{p.input_per_m.toLocaleString("en-US")}</td>
                  <td className="pr-3 text-right tabular-nums">{p.output_per_m.toLocaleString("en-US")}</td>
                  <td className="pr-3 whitespace-nowrap">{p.updated_at.slice(0, 16).replace("T", " ")}</td>
                  <td>
                    <PriceForm model={p.model} input={p.input_per_m} output={p.output_per_m} compact />
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
