"use client";

import { cancelInvitationAction } from "./actions";
import { Button } from "@/components/ui";
import { useAction } from "@/components/use-action";

export function CancelInvitationButton({ orgId, invitationId, email }: { orgId: string; invitationId: string; email: string }) {
  const act = useAction();
  return (
    <Button
      variant="secondary"
      type="button"
      onClick={() => act(() => cancelInvitationAction({ orgId, invitationId }), { ok: `Invitation for ${email} withdrawn` })}
    >
      Withdraw
    </Button>
  );
}
