"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { createKeyAction, revokeKeyAction } from "./actions";
import { ShownOnce } from "@/components/shown-once";
import { useToast } from "@/components/toast";
import { ActionButton } from "@/components/action-button";
import { Button, Field, Input, TextArea } from "@/components/ui";

export type KeyRow = {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  expiresAt: string | null;
  rateLimitPerMinute: number | null;
  endUserRateLimitPerMinute: number | null;
  workflows: string[] | null;
  allowedOrigins: string[] | null;
  creditCap: number | null;
  creditCapPeriod: string | null;
  capUsed: number;
  scopes: string[];
};

const select = "w-full rounded-md border border-neutral-300 bg-white px-2 py-1.5 text-sm dark:border-neutral-700 dark:bg-neutral-900";

/** Optional number from a form field: empty → null. */
const num = (v: FormDataEntryValue | null) => (v === null || String(v).trim() === "" ? null : Number(v));

export function KeysPanel({
  orgId,
  keys,
  canEdit,
  workflows,
}: {
  orgId: string;
  keys: KeyRow[];
  canEdit: boolean;
  workflows: Array<{ id: string; name: string }>;
}) {
  const router = useRouter();
  const toast = useToast();
  const [created, setCreated] = useState<string | null>(null);
  return (
    <div className="space-y-4">
      {canEdit ? (
        <form
          className="space-y-3"
          action={async (form) => {
            const options = {
              scopes: form.getAll("scopes").map(String),
              workflowIds: form.getAll("workflowIds").map(String),
              rateLimitPerMinute: num(form.get("rateLimitPerMinute")),
              endUserRateLimitPerMinute: num(form.get("endUserRateLimitPerMinute")),
              creditCap: num(form.get("creditCap")),
              creditCapPeriod: String(form.get("creditCapPeriod") ?? "month"),
              expiresInDays: num(form.get("expiresInDays")),
              allowedOrigins: String(form.get("allowedOrigins") ?? "")
                .split(/[\s,]+/)
                .filter(Boolean),
            };
            const res = await createKeyAction({ orgId, name: String(form.get("name")), options });
            if (!res.ok) return toast.error(res.error.message);
            setCreated(res.data.key);
            router.refresh();
          }}
        >
          <div className="flex gap-2">
            <Input name="name" required placeholder="Key name, e.g. production server" aria-label="Key name" />
            <Button type="submit">Create key</Button>
          </div>
          <fieldset className="flex flex-wrap gap-x-4 gap-y-1 text-sm">
            <legend className="sr-only">What the key may do</legend>
            <label className="flex items-center gap-1.5">
              <input type="checkbox" name="scopes" value="run" defaultChecked />
              Run workflows
            </label>
            <label className="flex items-center gap-1.5">
              <input type="checkbox" name="scopes" value="admin" />
              Manage workflows (admin: create, edit, publish and move labels over the API, e.g. from CI)
            </label>
          </fieldset>
          <details className="rounded-md border border-neutral-200 p-3 text-sm dark:border-neutral-800">
            <summary className="cursor-pointer font-medium">Restrictions (optional)</summary>
            <div className="mt-3 grid gap-3 md:grid-cols-2">
              <fieldset className="md:col-span-2">
                <legend className="mb-1 text-sm font-medium">Workflows it may run (none checked: all)</legend>
                {workflows.length === 0 ? (
                  <p className="text-xs text-neutral-500">No workflows yet.</p>
                ) : (
                  <div className="flex flex-wrap gap-x-4 gap-y-1">
                    {workflows.map((w) => (
                      <label key={w.id} className="flex items-center gap-1.5">
                        <input type="checkbox" name="workflowIds" value={w.id} />
                        {w.name}
                      </label>
                    ))}
                  </div>
                )}
              </fieldset>
              <Field label="Rate limit (requests/minute)" hint="Empty: the server default.">
                <Input name="rateLimitPerMinute" type="number" min={1} />
              </Field>
              <Field
                label="Rate limit per end user (requests/minute)"
                hint="Each end user of its token traffic (a stream token's user, a run's user); empty: none."
              >
                <Input name="endUserRateLimitPerMinute" type="number" min={1} />
              </Field>
              <Field label="Expires after (days)" hint="Empty: never.">
                <Input name="expiresInDays" type="number" min={1} />
              </Field>
              <Field label="Credit cap" hint="Most credits its runs may spend per period; empty: no cap.">
                <Input name="creditCap" type="number" min={1} />
              </Field>
              <Field label="Cap refills">
                <select name="creditCapPeriod" className={select} defaultValue="month">
                  <option value="day">daily (UTC)</option>
                  <option value="month">monthly (UTC)</option>
                  <option value="total">never (a total)</option>
                </select>
              </Field>
              <div className="md:col-span-2">
                <Field
                  label="Allowed browser origins"
                  hint="One per line, e.g. https://app.example.com. Other origins get no CORS grant (403). Empty: any."
                >
                  <TextArea name="allowedOrigins" rows={2} />
                </Field>
              </div>
            </div>
          </details>
        </form>
      ) : null}
      {created ? <ShownOnce what="key" secret={created} testId="new-key" /> : null}
      <div className="overflow-x-auto">
        <table className="w-full text-sm" data-testid="keys">
          <thead className="text-left text-neutral-500">
            <tr>
              <th className="py-2">Name</th>
              <th>Key</th>
              <th>Scopes</th>
              <th>Restrictions</th>
              <th>Created</th>
              <th>Last used</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id} className="border-t border-neutral-200 align-top dark:border-neutral-800">
                <td className="py-2">{k.name}</td>
                <td className="font-mono text-xs">{k.prefix}</td>
                <td className="text-xs">{k.scopes.join(", ")}</td>
                <td className="text-xs text-neutral-600 dark:text-neutral-300">{restrictions(k).join(" · ") || "none"}</td>
                <td>{k.createdAt.slice(0, 10)}</td>
                <td>{k.lastUsedAt ? k.lastUsedAt.slice(0, 16).replace("T", " ") : "never"}</td>
                <td className="text-right">
                  {k.revokedAt ? (
                    <span className="text-neutral-500">revoked</span>
                  ) : canEdit ? (
                    <ActionButton
                      variant="danger"
                      action={() => revokeKeyAction({ orgId, keyId: k.id })}
                      confirm={`Revoke "${k.name}"? Requests using it get 401 from now on (other servers within a second).`}
                      ok={`Revoked "${k.name}"`}
                    >
                      Revoke
                    </ActionButton>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

function restrictions(k: KeyRow): string[] {
  const out: string[] = [];
  if (k.workflows) out.push(`workflows: ${k.workflows.join(", ")}`);
  if (k.rateLimitPerMinute) out.push(`${k.rateLimitPerMinute}/min`);
  if (k.endUserRateLimitPerMinute) out.push(`${k.endUserRateLimitPerMinute}/min per end user`);
  if (k.creditCap !== null)
    out.push(
      `cap ${k.capUsed.toLocaleString("en-US")} / ${k.creditCap.toLocaleString("en-US")} credits${k.creditCapPeriod === "total" ? "" : ` per ${k.creditCapPeriod}`}`,
    );
  if (k.allowedOrigins) out.push(`origins: ${k.allowedOrigins.join(", ")}`);
  if (k.expiresAt) out.push(`${new Date(k.expiresAt) < new Date() ? "expired" : "expires"} ${k.expiresAt.slice(0, 10)}`);
  return out;
}
