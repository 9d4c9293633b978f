"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { setRequireTwoFactorAction } from "./actions";

/** The org setting (admins): members without two-factor sign-in are sent to set it up. */
export function RequireTwoFactorToggle({ orgId, on }: { orgId: string; on: boolean }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="space-y-2 text-sm">
      <label className="flex items-center gap-2">
        <input
          type="checkbox"
          name="require-two-factor"
          defaultChecked={on}
          onChange={async (e) => {
            const res = await setRequireTwoFactorAction({ orgId, on: e.target.checked });
            if (!res.ok) {
              setError(res.error.message);
              e.target.checked = !e.target.checked;
            } else {
              setError(null);
              router.refresh();
            }
          }}
        />
        Members must use two-factor sign-in
      </label>
      <p className="text-xs text-neutral-500">Members without it are sent to set it up before they can use this organization.</p>
      {error ? (
        <p role="alert" className="text-red-600 dark:text-red-400">
          {error}
        </p>
      ) : null}
    </div>
  );
}
