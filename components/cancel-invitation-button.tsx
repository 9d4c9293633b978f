"use client";

import { useRouter } from "next/navigation";
import { cancelInvitationAction } from "@/app/dashboard/actions";
import { useToast } from "./toast";
import { Button } from "./ui";

export function CancelInvitationButton({ orgId, invitationId, email }: { orgId: string; invitationId: string; email: string }) {
  const router = useRouter();
  const toast = useToast();
  return (
    <Button variant="secondary" type="button" onClick={async () => {
      const res = await cancelInvitationAction({ orgId, invitationId });
      if (res.ok) toast.ok(`Invitation for ${email} withdrawn`);
      else toast.error(res.error.message);
      router.refresh();
    }}>Withdraw</Button>
  );
}
