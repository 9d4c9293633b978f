"use client";

import { cancelInvitationAction } from "./actions";
import { ActionButton } from "@/components/action-button";

export function CancelInvitationButton({ orgId, invitationId, email }: { orgId: string; invitationId: string; email: string }) {
  return (
    <ActionButton
      variant="secondary"
      action={() => cancelInvitationAction({ orgId, invitationId })}
      ok={`Invitation for ${email} withdrawn`}
    >
      Withdraw
    </ActionButton>
  );
}
