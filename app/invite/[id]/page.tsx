import Link from "next/link";
import { AcceptInvite } from "./accept-invite";
import { currentUser } from "@/lib/auth/current-user";
import { openInvitation } from "@/lib/orgs/invitations";

export const dynamic = "force-dynamic";

export default async function InvitePage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const [inv, user] = await Promise.all([openInvitation(id), currentUser()]);
  return (
    <main className="mx-auto mt-20 max-w-md space-y-4 p-6">
      {!inv ? (
        <>
          <h1 className="text-2xl font-semibold">This invitation is no longer valid</h1>
          <p className="text-sm text-neutral-500">
            It was used, withdrawn, or is more than 48 hours old. Ask whoever invited you for a new link.
          </p>
        </>
      ) : (
        <>
          <h1 className="text-2xl font-semibold">Join {inv.orgName} on Flowgate</h1>
          <p className="text-sm">
            You are invited as <strong>{inv.role ?? "member"}</strong> with the address <strong>{inv.email}</strong>.
          </p>
          {user ? (
            <AcceptInvite invitationId={inv.id} organizationId={inv.organizationId} signedInAs={user.email} invitedEmail={inv.email} />
          ) : (
            <p className="space-x-4 text-sm">
              <Link className="underline" href={`/sign-up?invite=${inv.id}`}>
                Create an account
              </Link>
              <Link className="underline" href={`/sign-in?invite=${inv.id}`}>
                Sign in
              </Link>
            </p>
          )}
        </>
      )}
    </main>
  );
}
