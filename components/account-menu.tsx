"use client";

import { useRouter } from "next/navigation";
import { authClient } from "./auth-client";

/** Switch between the organizations the user belongs to, create another, sign out. */
export function AccountMenu({ orgId, orgs }: { orgId: string; orgs: Array<{ orgId: string; name: string; role: string }> }) {
  const router = useRouter();
  return (
    <div className="space-y-2 text-xs">
      {orgs.length > 1 ? (
        <select
          aria-label="Organization"
          value={orgId}
          className="w-full rounded-md border border-neutral-300 bg-white px-2 py-1 dark:border-neutral-700 dark:bg-neutral-900"
          onChange={async (e) => {
            await authClient.organization.setActive({ organizationId: e.target.value });
            router.push("/dashboard/workflows");
            router.refresh();
          }}
        >
          {orgs.map((o) => (
            <option key={o.orgId} value={o.orgId}>
              {o.name} ({o.role})
            </option>
          ))}
        </select>
      ) : null}
      <div className="flex gap-3">
        <a className="underline" href="/account">
          Account
        </a>
        <a className="underline" href="/onboarding">
          New organization
        </a>
        <button
          className="underline"
          onClick={async () => {
            await authClient.signOut();
            router.push("/sign-in");
            router.refresh();
          }}
        >
          Sign out
        </button>
      </div>
    </div>
  );
}
