"use client";

import { useState } from "react";
import { Button, Field, Input } from "@/components/ui";
import { useAction } from "@/components/use-action";
import { setStorageSettingsAction } from "./actions";

/** Retention (days, empty: forever, 0: metering only) and masking of the org's stored runs. */
export function StorageSettingsForm({ orgId, retentionDays, maskPii }: { orgId: string; retentionDays: number | null; maskPii: boolean }) {
  const run = useAction();
  const [keepForever, setKeepForever] = useState(retentionDays === null);
  const [days, setDays] = useState(retentionDays === null ? "30" : String(retentionDays));
  const [mask, setMask] = useState(maskPii);
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="space-y-4 text-sm"
      data-testid="storage-settings"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        await run(() => setStorageSettingsAction({ orgId, retentionDays: keepForever ? null : Number(days), maskPii: mask }), {
          ok: "Settings saved",
        });
        setBusy(false);
      }}
    >
      <fieldset className="space-y-2">
        <legend className="font-medium">Keep run inputs and outputs</legend>
        <label className="flex items-center gap-2">
          <input type="radio" name="retention" checked={keepForever} onChange={() => setKeepForever(true)} />
          Forever
        </label>
        <label className="flex items-center gap-2">
          <input type="radio" name="retention" checked={!keepForever} onChange={() => setKeepForever(false)} />
          For a number of days
        </label>
        {keepForever ? null : (
          <div className="max-w-xs pl-6">
            <Field label="Days" hint="0 keeps only metering: tokens, credits, status, timings and model.">
              <Input
                type="number"
                name="retention-days"
                min={0}
                max={3650}
                step={1}
                required
                value={days}
                onChange={(e) => setDays(e.target.value)}
              />
            </Field>
          </div>
        )}
        <p className="text-xs text-neutral-600 dark:text-neutral-400">
          Older finished runs keep their metering and charges; their inputs, output and error text are removed (checked every minute).
        </p>
      </fieldset>
      <label className="flex items-start gap-2">
        <input type="checkbox" name="mask-pii" className="mt-0.5" checked={mask} onChange={(e) => setMask(e.target.checked)} />
        <span>
          Mask e-mail addresses, phone numbers and card numbers in stored runs
          <span className="block text-xs text-neutral-600 dark:text-neutral-400">
            Stored as [email], [phone], [card]. The model and your callers still get the real text; runs from now on.
          </span>
        </span>
      </label>
      <Button type="submit" disabled={busy}>
        Save
      </Button>
    </form>
  );
}
