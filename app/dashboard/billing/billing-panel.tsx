"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { billingPortalAction, buyPackAction, setAutoTopUpAction } from "./actions";
import { useToast } from "@/components/toast";
import { useAction } from "@/components/use-action";
import { Button, Empty, Field, Input } from "@/components/ui";

type Pack = { pack_id: string; name: string; credits: number; price_cents: number; currency: string };
type Purchase = {
  purchase_id: string;
  source: string;
  status: string;
  credits: number;
  credits_refunded: number;
  price_cents: number;
  currency: string;
  receipt_url: string | null;
  failure_reason: string | null;
  created_at: string;
};
type AutoTopUp = {
  enabled: boolean;
  threshold: number | null;
  pack_id: string | null;
  monthly_cap_cents: number | null;
  disabled_reason: string | null;
  has_payment_method: boolean;
};

const money = (cents: number, currency: string) =>
  new Intl.NumberFormat("en-US", { style: "currency", currency: currency.toUpperCase() }).format(cents / 100);
const when = (iso: string) => iso.slice(0, 16).replace("T", " ");
const row = "border-t border-neutral-200 dark:border-neutral-800";

export function BillingPanel({
  orgId,
  balance,
  buying_enabled,
  packs,
  auto_top_up,
  purchases,
  flagged,
  returned,
  canBuy,
  canceled,
}: {
  orgId: string;
  balance: number;
  buying_enabled: boolean;
  packs: Pack[];
  auto_top_up: AutoTopUp;
  purchases: Purchase[];
  flagged: boolean;
  returned: { status: string; credits: number } | null;
  canBuy: boolean;
  canceled: boolean;
}) {
  const router = useRouter();
  const toast = useToast();
  const act = useAction();
  const [busy, setBusy] = useState<string | null>(null);
  // Back from Stripe: the credits arrive with Stripe's event, a moment later. Look again until then.
  useEffect(() => {
    if (returned?.status !== "pending") return;
    const t = setInterval(() => router.refresh(), 1500);
    return () => clearInterval(t);
  }, [returned?.status, router]);

  const buy = async (packId: string) => {
    setBusy(packId);
    const res = await buyPackAction({ orgId, packId });
    if (!res.ok) {
      setBusy(null);
      return toast.error(res.error.message);
    }
    window.location.assign(res.data.url);
  };
  const portal = async () => {
    const res = await billingPortalAction({ orgId });
    if (!res.ok) return toast.error(res.error.message);
    window.location.assign(res.data.url);
  };

  return (
    <div className="space-y-6">
      <div className="flex flex-wrap items-end justify-between gap-4">
        <div>
          <p className="text-sm text-neutral-500">Balance</p>
          <p className={`text-3xl font-semibold ${balance <= 0 ? "text-red-600 dark:text-red-400" : ""}`} data-testid="balance">
            {balance.toLocaleString("en-US")} credits
          </p>
        </div>
        {buying_enabled && canBuy && auto_top_up.has_payment_method ? (
          <Button variant="secondary" type="button" onClick={portal}>
            Payment methods and receipts
          </Button>
        ) : null}
      </div>
      {returned?.status === "pending" ? (
        <p className="rounded-md bg-amber-50 p-3 text-sm text-amber-800 dark:bg-amber-950 dark:text-amber-200" data-testid="pending">
          Payment pending: {returned.credits.toLocaleString("en-US")} credits are added as soon as Stripe confirms it.
        </p>
      ) : null}
      {returned?.status === "paid" ? (
        <p className="rounded-md bg-green-50 p-3 text-sm text-green-800 dark:bg-green-950 dark:text-green-200" data-testid="paid">
          Thank you: {returned.credits.toLocaleString("en-US")} credits were added.
        </p>
      ) : null}
      {canceled ? <p className="text-sm text-neutral-500">Checkout canceled: nothing was charged.</p> : null}
      {flagged ? (
        <p className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
          A payment of this organization is disputed: the operator has been told.
        </p>
      ) : null}

      {!buying_enabled ? (
        <div className="space-y-2 text-sm" data-testid="operator-grants">
          <p>Buying credits is not set up on this server. The operator adds credits from a shell:</p>
          <pre className="overflow-x-auto rounded-md bg-neutral-100 p-3 font-mono text-xs dark:bg-neutral-900">
            npm run admin -- credits grant --org {orgId} --amount 100000
          </pre>
          <p className="text-neutral-500">To sell credit packs, set STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (README, Configuration).</p>
        </div>
      ) : (
        <section className="space-y-2">
          <h2 className="text-base font-semibold">Add credits</h2>
          {packs.length === 0 ? (
            <Empty>No credit packs on sale yet (the operator creates them: npm run admin -- billing pack create).</Empty>
          ) : (
            <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3">
              {packs.map((p) => (
                <div key={p.pack_id} className="rounded-md border border-neutral-200 p-4 dark:border-neutral-800">
                  <p className="font-medium">{p.name}</p>
                  <p className="text-sm text-neutral-500">
                    {p.credits.toLocaleString("en-US")} credits · {money(p.price_cents, p.currency)}
                  </p>
                  {canBuy ? (
                    <Button
                      className="mt-3"
                      type="button"
                      disabled={busy !== null}
                      onClick={() => buy(p.pack_id)}
                      data-testid={`buy-${p.pack_id}`}
                    >
                      {busy === p.pack_id ? "Opening Stripe…" : "Buy"}
                    </Button>
                  ) : null}
                </div>
              ))}
            </div>
          )}
          {!canBuy ? <p className="text-xs text-neutral-500">Owners and admins can buy credits.</p> : null}
        </section>
      )}

      {buying_enabled && canBuy ? (
        <section className="space-y-2">
          <h2 className="text-base font-semibold">Auto top-up</h2>
          {auto_top_up.disabled_reason && !auto_top_up.enabled ? (
            <p className="text-sm text-red-600 dark:text-red-400" data-testid="auto-top-up-off">
              Turned off: {auto_top_up.disabled_reason}
            </p>
          ) : null}
          {!auto_top_up.has_payment_method ? (
            <p className="text-sm text-neutral-500">
              Buy a pack once to save a card; then credits can be bought automatically when the balance runs low.
            </p>
          ) : (
            <form
              className="grid gap-3 sm:grid-cols-4"
              action={async (form) => {
                const enabled = form.get("enabled") === "on";
                const n = (k: string) => (form.get(k) ? Number(form.get(k)) : undefined);
                await act(
                  () =>
                    setAutoTopUpAction({
                      orgId,
                      enabled,
                      threshold: n("threshold"),
                      packId: String(form.get("packId") ?? "") || undefined,
                      monthlyCapCents: n("cap") === undefined ? undefined : Math.round(n("cap")! * 100),
                    }),
                  { ok: enabled ? "Auto top-up on" : "Auto top-up off" },
                );
              }}
            >
              <label className="flex items-center gap-2 text-sm sm:col-span-4">
                <input type="checkbox" name="enabled" defaultChecked={auto_top_up.enabled} />
                Top up automatically
              </label>
              <Field label="When the balance is under">
                <Input name="threshold" type="number" min={1} defaultValue={auto_top_up.threshold ?? 1000} />
              </Field>
              <Field label="Buy">
                <select
                  name="packId"
                  defaultValue={auto_top_up.pack_id ?? packs[0]?.pack_id}
                  className="w-full rounded-md border border-neutral-300 bg-white px-3 py-1.5 text-sm dark:border-neutral-700 dark:bg-neutral-900"
                >
                  {packs.map((p) => (
                    <option key={p.pack_id} value={p.pack_id}>
                      {p.name} ({money(p.price_cents, p.currency)})
                    </option>
                  ))}
                </select>
              </Field>
              <Field label="At most per month">
                <Input
                  name="cap"
                  type="number"
                  min={1}
                  step="0.01"
                  defaultValue={auto_top_up.monthly_cap_cents ? auto_top_up.monthly_cap_cents / 100 : 100}
                />
              </Field>
              <div className="flex items-end">
                <Button type="submit">Save</Button>
              </div>
            </form>
          )}
        </section>
      ) : null}

      <section className="space-y-2">
        <h2 className="text-base font-semibold">Purchases</h2>
        {purchases.length === 0 ? (
          <Empty>No purchases yet.</Empty>
        ) : (
          <table className="w-full text-sm" data-testid="purchases">
            <thead className="text-left text-neutral-500">
              <tr>
                <th className="py-2">When</th>
                <th>Credits</th>
                <th>Price</th>
                <th>Status</th>
                <th>Receipt</th>
              </tr>
            </thead>
            <tbody>
              {purchases.map((p) => (
                <tr key={p.purchase_id} className={row}>
                  <td className="py-2">
                    {when(p.created_at)}
                    {p.source === "auto_top_up" ? " · auto" : ""}
                  </td>
                  <td>
                    {p.credits.toLocaleString("en-US")}
                    {p.credits_refunded ? ` (${p.credits_refunded.toLocaleString("en-US")} refunded)` : ""}
                  </td>
                  <td>{money(p.price_cents, p.currency)}</td>
                  <td>
                    {p.status}
                    {p.failure_reason ? `: ${p.failure_reason}` : ""}
                  </td>
                  <td>
                    {p.receipt_url ? (
                      <a className="underline" href={p.receipt_url} target="_blank" rel="noreferrer">
                        Receipt
                      </a>
                    ) : (
                      "—"
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
