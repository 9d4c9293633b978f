"use client";

import { changeMemberRoleAction, removeMemberAction } from "./actions";
import { ActionButton } from "@/components/action-button";
import { useAction } from "@/components/use-action";

export function MemberActions({
  orgId,
  userId,
  name,
  role,
  canManageOwners,
}: {
  orgId: string;
  userId: string;
  name: string;
  role: string;
  canManageOwners: boolean;
}) {
  const act = useAction();
  const roles = canManageOwners ? ["member", "admin", "owner"] : ["member", "admin"];
  if (role === "owner" && !canManageOwners) return null;
  return (
    <span className="flex justify-end gap-2">
      <select
        aria-label={`Role of ${name}`}
        defaultValue={role}
        className="rounded-md border border-neutral-300 bg-white px-2 py-1 text-sm dark:border-neutral-700 dark:bg-neutral-900"
        onChange={(e) =>
          act(() => changeMemberRoleAction({ orgId, userId, role: e.target.value }), { ok: `${name} is now ${e.target.value}` })
        }
      >
        {roles.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      <ActionButton
        variant="danger"
        action={() => removeMemberAction({ orgId, userId })}
        confirm={`Remove ${name} from this organization? They lose access at once.`}
        ok={`${name} removed`}
      >
        Remove
      </ActionButton>
    </span>
  );
}
