"use client";

import { useRouter } from "next/navigation";
import { changeMemberRoleAction, removeMemberAction } from "@/app/dashboard/actions";
import { useToast } from "./toast";
import { Button } from "./ui";

export function MemberActions({ orgId, userId, name, role, canManageOwners }: { orgId: string; userId: string; name: string; role: string; canManageOwners: boolean }) {
  const router = useRouter();
  const toast = useToast();
  const roles = canManageOwners ? ["member", "admin", "owner"] : ["member", "admin"];
  if (role === "owner" && !canManageOwners) return null;
  return (
    <span className="flex justify-end gap-2">
      <select aria-label={`Role of ${name}`} defaultValue={role} className="rounded-md border border-neutral-300 bg-white px-2 py-1 text-sm dark:border-neutral-700 dark:bg-neutral-900"
        onChange={async (e) => {
          const res = await changeMemberRoleAction({ orgId, userId, role: e.target.value });
          if (res.ok) toast.ok(`${name} is now ${e.target.value}`);
          else toast.error(res.error.message);
          router.refresh();
        }}>
        {roles.map((r) => <option key={r} value={r}>{r}</option>)}
      </select>
      <Button variant="danger" type="button" onClick={async () => {
        if (!window.confirm(`Remove ${name} from this organization? They lose access at once.`)) return;
        const res = await removeMemberAction({ orgId, userId });
        if (res.ok) toast.ok(`${name} removed`);
        else toast.error(res.error.message);
        router.refresh();
      }}>Remove</Button>
    </span>
  );
}
