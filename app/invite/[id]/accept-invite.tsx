"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { acceptInvitationAction } from "./actions";
import { authClient } from "@/components/auth-client";
import { Button } from "@/components/ui";

export function AcceptInvite({
  invitationId,
  organizationId,
  signedInAs,
  invitedEmail,
}: {
  invitationId: string;
  organizationId: string;
  signedInAs: string;
  invitedEmail: string;
}) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  if (signedInAs.toLowerCase() !== invitedEmail) {
    return (
      <p role="alert" className="text-sm text-red-600 dark:text-red-400">
        You are signed in as {signedInAs}. Sign out and sign in as {invitedEmail} to accept.
      </p>
    );
  }
  return (
    <div className="space-y-2">
      <Button
        onClick={async () => {
          const res = await acceptInvitationAction({ invitationId });
          if (!res.ok) return setError(res.error.message);
          await authClient.organization.setActive({ organizationId });
          router.push("/dashboard/workflows");
          router.refresh();
        }}
      >
        Join
      </Button>
      {error ? (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      ) : null}
    </div>
  );
}
