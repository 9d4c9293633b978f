import Link from "next/link";
import { redirect } from "next/navigation";
import { AccountEmailForm } from "@/components/account-email-form";
import { Card } from "@/components/ui";
import { currentUser } from "@/lib/auth/session";

export const dynamic = "force-dynamic";

// Account settings, outside /dashboard: reachable with a session alone (no organization, or an
// organization that requires a second factor this account has not set up yet).
export default async function AccountPage() {
  const me = await currentUser();
  if (!me) redirect("/sign-in");
  return (
    <main className="mx-auto max-w-2xl space-y-6 p-6">
      <div className="flex items-center justify-between">
        <h1 className="text-2xl font-semibold">Account</h1>
        <Link className="text-sm underline" href="/dashboard/workflows">Back to the dashboard</Link>
      </div>
      <Card title="Email">
        <p className="mb-3 text-sm">{me.email} · {me.emailVerified ? "verified" : "not verified"}</p>
        <AccountEmailForm email={me.email} />
      </Card>
    </main>
  );
}
