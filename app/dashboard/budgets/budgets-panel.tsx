"use client";

import { useRouter } from "next/navigation";
import { createBudgetAction, deleteBudgetAction, updateBudgetAction } from "./actions";
import { ActionButton } from "@/components/action-button";
import { useToast } from "@/components/toast";
import { useAction } from "@/components/use-action";
import { Button, Empty, Field, Input } from "@/components/ui";
import type { BudgetView } from "@/lib/budgets/schemas";

const SCOPES = [
  { value: "org", label: "The whole organization" },
  { value: "workflow", label: "Each workflow" },
  { value: "key", label: "Each API key" },
  { value: "end_user", label: "Each end user" },
] as const;
const row = "border-t border-neutral-200 align-top dark:border-neutral-800";
const select = "w-full rounded-md border border-neutral-300 bg-white px-3 py-1.5 text-sm dark:border-neutral-700 dark:bg-neutral-900";
const percents = (raw: string) =>
  raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
const pct = (n: number, of: number) => `${Math.min(100, Math.round((n / of) * 100))}%`;

/** Budgets: create, edit the amount and alerts, delete; this period's usage and, per subject, the top spenders. */
export function BudgetsPanel({
  orgId,
  budgets,
  workflows,
  keys,
}: {
  orgId: string;
  budgets: BudgetView[];
  workflows: Array<{ id: string; name: string }>;
  keys: Array<{ id: string; name: string }>;
}) {
  const router = useRouter();
  const toast = useToast();
  const act = useAction();
  const names = new Map([...workflows, ...keys].map((x) => [x.id, x.name]));
  return (
    <div className="space-y-6">
      <form
        className="grid gap-3 sm:grid-cols-3"
        aria-label="New budget"
        action={async (form) => {
          const res = await createBudgetAction({
            orgId,
            name: String(form.get("name") ?? "").trim() || null,
            scope: String(form.get("scope")) as BudgetView["scope"],
            credits: Number(form.get("credits")),
            period: String(form.get("period")) as BudgetView["period"],
            workflow_id: String(form.get("workflow_id") ?? "") || null,
            api_key_id: String(form.get("api_key_id") ?? "") || null,
            alert_at: percents(String(form.get("alert_at") ?? "")),
          });
          if (!res.ok) return toast.error(res.error.message);
          toast.ok("Budget created");
          router.refresh();
        }}
      >
        <Field label="Name">
          <Input name="name" placeholder="Daily per user" maxLength={100} />
        </Field>
        <Field label="Counts">
          <select name="scope" className={select} defaultValue="end_user">
            {SCOPES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Credits per period">
          <Input name="credits" type="number" min={1} required placeholder="60" />
        </Field>
        <Field label="Period (UTC)">
          <select name="period" className={select} defaultValue="day">
            <option value="day">Day</option>
            <option value="month">Month</option>
          </select>
        </Field>
        <Field label="Only runs of workflow">
          <select name="workflow_id" className={select} defaultValue="">
            <option value="">Any workflow</option>
            {workflows.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Only runs through key">
          <select name="api_key_id" className={select} defaultValue="">
            <option value="">Any key</option>
            {keys.map((k) => (
              <option key={k.id} value={k.id}>
                {k.name}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Alert at (%)" hint="Comma-separated: a webhook event and a mail to owners and admins, once per period.">
          <Input name="alert_at" placeholder="50, 80, 100" />
        </Field>
        <div className="flex items-end">
          <Button type="submit">Add budget</Button>
        </div>
      </form>

      {budgets.length === 0 ? (
        <Empty>No budgets yet: runs are limited by the balance (and keys&apos; credit caps) only.</Empty>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full text-sm" data-testid="budgets">
            <thead className="text-left text-neutral-600 dark:text-neutral-400">
              <tr>
                <th className="py-2">Budget</th>
                <th>Counts</th>
                <th>This period</th>
                <th>Credits · alerts</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {budgets.map((b) => (
                <tr key={b.id} className={row}>
                  <td className="py-2 pr-3">
                    <div className="font-medium">{b.name ?? `${b.scope}/${b.period}`}</div>
                    <div className="font-mono text-xs text-neutral-600 dark:text-neutral-400">{b.id}</div>
                  </td>
                  <td className="pr-3 text-xs">
                    {SCOPES.find((s) => s.value === b.scope)?.label}, per {b.period}
                    {b.workflow_id ? ` · workflow ${names.get(b.workflow_id) ?? b.workflow_id}` : ""}
                    {b.api_key_id ? ` · key ${names.get(b.api_key_id) ?? b.api_key_id}` : ""}
                  </td>
                  <td className="pr-3 text-xs">
                    {b.scope === "org" ? (
                      <span>
                        {b.usage.spent} spent ({pct(b.usage.spent, b.credits)})
                        {b.usage.held ? `, ${b.usage.held} held by runs in flight` : ""}
                      </span>
                    ) : b.usage.top.length === 0 ? (
                      "Nothing spent yet"
                    ) : (
                      <ul aria-label={`Top spenders of ${b.name ?? b.id}`}>
                        {b.usage.top.map((t) => (
                          <li key={t.subject}>
                            <span className="font-mono">{names.get(t.subject) ?? t.subject}</span>: {t.spent} ({pct(t.spent, b.credits)})
                            {t.held ? `, ${t.held} held` : ""}
                          </li>
                        ))}
                      </ul>
                    )}
                  </td>
                  <td className="pr-3">
                    <form
                      className="flex gap-2"
                      aria-label={`Edit ${b.name ?? b.id}`}
                      action={async (form) => {
                        await act(
                          () =>
                            updateBudgetAction({
                              orgId,
                              budgetId: b.id,
                              credits: Number(form.get("credits")),
                              alert_at: percents(String(form.get("alert_at") ?? "")),
                            }),
                          { ok: "Saved" },
                        );
                      }}
                    >
                      <Input
                        name="credits"
                        type="number"
                        min={1}
                        defaultValue={b.credits}
                        aria-label="Credits per period"
                        className="w-24"
                      />
                      <Input name="alert_at" defaultValue={b.alert_at.join(", ")} aria-label="Alert at (%)" />
                      <Button type="submit" variant="secondary">
                        Save
                      </Button>
                    </form>
                  </td>
                  <td className="text-right">
                    <ActionButton
                      variant="danger"
                      action={() => deleteBudgetAction({ orgId, budgetId: b.id })}
                      confirm={`Delete the budget ${b.name ?? b.id}? Runs are no longer limited by it.`}
                      ok="Deleted"
                    >
                      Delete
                    </ActionButton>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
