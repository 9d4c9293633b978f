import Link from "next/link";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { AccountEmailForm } from "@/components/account-email-form";
import { DeleteAccountForm } from "@/components/delete-account-form";
import { SignOutEverywhere, TwoFactorSettings } from "@/components/two-factor-settings";
import { Card } from "@/components/ui";
import { getAuth } from "@/lib/auth/auth";
import { currentUser } from "@/lib/auth/current-user";
import { describeClient } from "@/lib/notices/describe-client";

export const dynamic = "force-dynamic";

// Account settings, outside /dashboard: reachable with a session alone (no organization, or an
// organization that requires a second factor this account has not set up yet).
export default async function AccountPage({ searchParams }: { searchParams: Promise<{ "two-factor"?: string }> }) {
  const me = await currentUser();
  if (!me) redirect("/sign-in");
  const required = (await searchParams)["two-factor"] === "required";
  const h = await headers();
  const auth = await getAuth();
  const [sessions, current] = await Promise.all([auth.api.listSessions({ headers: h }), auth.api.getSession({ headers: h })]);
  const twoFactorEnabled = (me as { twoFactorEnabled?: boolean | null }).twoFactorEnabled === true;
  return (
    <main className="mx-auto max-w-2xl space-y-6 p-6">
      <div className="flex items-center justify-between">
        <h1 className="text-2xl font-semibold">Account</h1>
        <Link className="text-sm underline" href="/dashboard/workflows">
          Back to the dashboard
        </Link>
      </div>
      {required && !twoFactorEnabled ? (
        <p role="alert" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm dark:border-amber-700 dark:bg-amber-950">
          Your organization requires two-factor sign-in: set it up below to continue.
        </p>
      ) : null}
      <Card title="Email">
        <p className="mb-3 text-sm">
          {me.email} · {me.emailVerified ? "verified" : "not verified"}
        </p>
        <AccountEmailForm email={me.email} />
      </Card>
      <Card title="Two-factor sign-in">
        <TwoFactorSettings enabled={twoFactorEnabled} />
      </Card>
      <Card title="Active sessions" actions={<SignOutEverywhere />}>
        <table className="w-full text-sm" data-testid="sessions">
          <thead className="text-left text-neutral-500">
            <tr>
              <th className="py-2">Client</th>
              <th>Address</th>
              <th>Signed in</th>
              <th>Expires</th>
            </tr>
          </thead>
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id} className="border-t border-neutral-200 dark:border-neutral-800">
                <td className="py-2">
                  {describeClient(s.userAgent)}
                  {s.id === current?.session.id ? " (this one)" : ""}
                </td>
                <td>{s.ipAddress ?? "—"}</td>
                <td>{s.createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC</td>
                <td>{s.expiresAt.toISOString().slice(0, 10)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
      <Card title="Delete account">
        <DeleteAccountForm />
      </Card>
    </main>
  );
}
