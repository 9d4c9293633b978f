"use client";

import { ActionButton } from "@/components/action-button";
import { Button } from "@/components/ui";
import { useActionForm } from "@/components/use-action";
import { archivePackAction, createPackAction } from "../actions";

const input = "w-full rounded-md border border-neutral-400 bg-white px-2 py-1 text-sm dark:border-neutral-600 dark:bg-neutral-900";

export function CreatePackForm() {
  const { busy, submit } = useActionForm();
  return (
    <form
      className="grid gap-3 sm:grid-cols-5 sm:items-end"
      onSubmit={(e) =>
        submit(e, (f) => ({
          action: () =>
            createPackAction({
              name: String(f.get("name")),
              credits: Number(f.get("credits")),
              // Typed in the currency's major unit; stored in its minor unit (cents).
              priceCents: Math.round(Number(f.get("price")) * 100),
              currency: String(f.get("currency")),
            }),
          ok: "Pack created",
        }))
      }
    >
      <label className="space-y-1 sm:col-span-2">
        <span className="block text-xs font-medium">Name</span>
        <input name="name" required maxLength={100} className={input} />
      </label>
      <label className="space-y-1">
        <span className="block text-xs font-medium">Credits</span>
        <input name="credits" type="number" min={1} step={1} required className={input} />
      </label>
      <label className="space-y-1">
        <span className="block text-xs font-medium">Price</span>
        <input name="price" type="number" min={0.01} step={0.01} required className={input} />
      </label>
      <label className="space-y-1">
        <span className="block text-xs font-medium">Currency</span>
        <input name="currency" required defaultValue="usd" pattern="[A-Za-z]{3}" maxLength={3} className={input} />
      </label>
      <div className="sm:col-span-5">
        <Button type="submit" disabled={busy}>
          Create pack
        </Button>
      </div>
    </form>
  );
}

export function ArchivePackButton({ packId, name }: { packId: string; name: string }) {
  return (
    <ActionButton
      variant="secondary"
      aria-label={`Archive ${name}`}
      action={() => archivePackAction({ packId })}
      confirm={`Archive “${name}”? Orgs can no longer buy it.`}
      ok="Pack archived"
    >
      Archive
    </ActionButton>
  );
}
