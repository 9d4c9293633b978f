"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { createKeyAction, revokeKeyAction } from "@/app/dashboard/actions";
import { CopyButton } from "./copy-button";
import { Button, Input } from "./ui";

type Key = { id: string; name: string; prefix: string; createdAt: string; lastUsedAt: string | null; revokedAt: string | null };

export function KeysPanel({ orgId, keys, canEdit }: { orgId: string; keys: Key[]; canEdit: boolean }) {
  const router = useRouter();
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="space-y-4">
      {canEdit ? (
        <form
          className="flex gap-2"
          action={async (form) => {
            const res = await createKeyAction({ orgId, name: String(form.get("name")) });
            if (!res.ok) return setError(res.error.message);
            setCreated(res.data.key);
            router.refresh();
          }}
        >
          <Input name="name" required placeholder="Key name, e.g. production server" aria-label="Key name" />
          <Button type="submit">Create key</Button>
        </form>
      ) : null}
      {created ? (
        <div role="status" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-700 dark:bg-amber-950">
          <p className="font-medium">Copy this key now: it is shown only once.</p>
          <div className="mt-2 flex gap-2">
            <code data-testid="new-key" className="flex-1 break-all rounded bg-white px-2 py-1 dark:bg-neutral-900">{created}</code>
            <CopyButton text={created} />
          </div>
        </div>
      ) : null}
      {error ? <p role="alert" className="text-sm text-red-600">{error}</p> : null}
      <table className="w-full text-sm">
        <thead className="text-left text-neutral-500"><tr><th className="py-2">Name</th><th>Key</th><th>Created</th><th>Last used</th><th /></tr></thead>
        <tbody>
          {keys.map((k) => (
            <tr key={k.id} className="border-t border-neutral-200 dark:border-neutral-800">
              <td className="py-2">{k.name}</td>
              <td className="font-mono text-xs">{k.prefix}</td>
              <td>{k.createdAt.slice(0, 10)}</td>
              <td>{k.lastUsedAt ? k.lastUsedAt.slice(0, 16).replace("T", " ") : "never"}</td>
              <td className="text-right">
                {k.revokedAt ? <span className="text-neutral-500">revoked</span> : canEdit ? (
                  <Button variant="danger" type="button" onClick={async () => {
                    if (!confirm(`Revoke "${k.name}"? Requests using it will get 401 at once.`)) return;
                    const res = await revokeKeyAction({ orgId, keyId: k.id });
                    if (!res.ok) setError(res.error.message);
                    router.refresh();
                  }}>Revoke</Button>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
