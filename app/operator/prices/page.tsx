import { DataTable } from "@/components/data-table";
import { Card } from "@/components/ui";
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
        <DataTable
          caption="Model prices, credits per 1M tokens"
          testId="prices"
          empty="No model has a price yet."
          rows={prices}
          rowKey={(p) => p.model}
          columns={[
            { header: "Model", className: "font-mono", cell: (p) => p.model },
            { header: "Input", numeric: true, cell: (p) => p.input_per_m.toLocaleString("en-US") },
            { header: "Output", numeric: true, cell: (p) => p.output_per_m.toLocaleString("en-US") },
            { header: "Updated", className: "whitespace-nowrap", cell: (p) => p.updated_at.slice(0, 16).replace("T", " ") },
            {
              header: "Edit",
              hideHeader: true,
              cell: (p) => <PriceForm model={p.model} input={p.input_per_m} output={p.output_per_m} compact />,
            },
          ]}
        />
      </Card>
    </>
  );
}
