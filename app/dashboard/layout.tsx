import Link from "next/link";
import { AccountMenu } from "@/components/account-menu";
import { DashboardSidebar } from "@/components/dashboard-sidebar";
import { ThemeToggle } from "@/components/theme-toggle";
import { ToastProvider } from "@/components/toast";
import { requireOrgPage } from "@/lib/auth/current-user";
import { orgSuspension } from "@/lib/auth/org-suspension";
import { lowBalance } from "@/lib/billing/low-balance";
import { isOperatorUser } from "@/lib/operator-console/is-operator-user";

export const dynamic = "force-dynamic";

const NAV = [
  { href: "/dashboard/workflows", label: "Workflows" },
  { href: "/dashboard/keys", label: "API keys" },
  { href: "/dashboard/usage", label: "Usage" },
  { href: "/dashboard/billing", label: "Billing" },
  { href: "/dashboard/members", label: "Members" },
  { href: "/dashboard/api-reference", label: "API reference" },
];
// Shown to admins and owners only; the page itself refuses members too.
const ADMIN_NAV = [
  { href: "/dashboard/budgets", label: "Budgets" },
  { href: "/dashboard/webhooks", label: "Webhooks" },
  { href: "/dashboard/audit", label: "Audit log" },
  { href: "/dashboard/settings", label: "Settings" },
];

export default async function DashboardLayout({ children }: { children: React.ReactNode }) {
  const me = await requireOrgPage();
  const [low, suspended] = await Promise.all([lowBalance(me.orgId), orgSuspension(me.orgId)]);
  return (
    <div className="min-h-screen bg-neutral-50 text-neutral-900 md:flex dark:bg-neutral-950 dark:text-neutral-100">
      <DashboardSidebar title="Flowgate">
        <p className="mb-6 truncate text-xs text-neutral-500" title={me.orgId}>
          {me.orgName} · {me.role}
        </p>
        <nav className="space-y-1">
          {[...NAV, ...(me.role === "member" ? [] : ADMIN_NAV)].map((n) => (
            <Link
              key={n.href}
              href={n.href}
              className="block rounded-md px-2 py-1.5 text-sm hover:bg-neutral-200/60 dark:hover:bg-neutral-800"
            >
              {n.label}
            </Link>
          ))}
          {/* The instance's operators only: nobody else learns /operator exists (it 404s for them). */}
          {(await isOperatorUser()) ? (
            <Link
              href="/operator"
              className="block rounded-md px-2 py-1.5 text-sm font-medium text-indigo-700 hover:bg-neutral-200/60 dark:text-indigo-300 dark:hover:bg-neutral-800"
            >
              Operator
            </Link>
          ) : null}
        </nav>
        <div className="mt-8 space-y-2 border-t border-neutral-200 pt-4 dark:border-neutral-800">
          <p className="truncate text-xs text-neutral-500">{me.email}</p>
          <AccountMenu orgId={me.orgId} orgs={me.orgs} />
          <ThemeToggle />
        </div>
      </DashboardSidebar>
      <main className="min-w-0 flex-1 space-y-6 p-4 md:p-8">
        {suspended ? (
          <div
            role="alert"
            data-testid="org-suspended"
            className="rounded-md bg-red-50 p-3 text-sm text-red-800 dark:bg-red-950 dark:text-red-200"
          >
            <p className="font-medium">This organization is suspended: {suspended.reason}</p>
            <p className="mt-1">
              Its API keys and stream tokens are refused (403 org_suspended), and runs, evals and new keys cannot start until the
              instance&apos;s operator lifts the suspension. Workflows, runs and billing can still be viewed.
            </p>
          </div>
        ) : null}
        {low ? (
          <div
            role="alert"
            data-testid="low-balance"
            className={`flex flex-wrap items-center justify-between gap-2 rounded-md p-3 text-sm ${low.level === "empty" ? "bg-red-50 text-red-800 dark:bg-red-950 dark:text-red-200" : "bg-amber-50 text-amber-800 dark:bg-amber-950 dark:text-amber-200"}`}
          >
            <span>
              {low.level === "empty"
                ? "No credits left: runs are refused until credits are added."
                : `Credits are running low: ${low.balance.toLocaleString("en-US")} left.`}
            </span>
            <Link href="/dashboard/billing" className="font-medium underline">
              Add credits
            </Link>
          </div>
        ) : null}
        <ToastProvider>{children}</ToastProvider>
      </main>
    </div>
  );
}
