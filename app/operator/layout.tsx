import Link from "next/link";
import { DashboardSidebar } from "@/components/dashboard-sidebar";
import { ThemeToggle } from "@/components/theme-toggle";
import { ToastProvider } from "@/components/toast";
import { requireOperator } from "@/lib/operator/require-operator";

export const dynamic = "force-dynamic";
export const metadata = { title: "Operator · Flowgate" };

const NAV = [
  { href: "/operator", label: "Organizations" },
  { href: "/operator/health", label: "Instance health" },
  { href: "/operator/providers", label: "Providers" },
  { href: "/operator/prices", label: "Model prices" },
  { href: "/operator/packs", label: "Credit packs" },
];

// The instance operator's console. Everyone else gets the not-found page (requireOperator), here
// and again in every page and action: a layout does not guard the server actions it renders.
export default async function OperatorLayout({ children }: { children: React.ReactNode }) {
  const op = await requireOperator();
  return (
    <div className="min-h-screen bg-neutral-50 text-neutral-900 md:flex dark:bg-neutral-950 dark:text-neutral-100">
      <DashboardSidebar title="Flowgate operator">
        <p className="mb-6 truncate text-xs text-neutral-600 dark:text-neutral-300">Instance console</p>
        <nav aria-label="Operator" className="space-y-1">
          {NAV.map((n) => (
            <Link
              key={n.href}
              href={n.href}
              className="block rounded-md px-2 py-1.5 text-sm hover:bg-neutral-200/60 dark:hover:bg-neutral-800"
            >
              {n.label}
            </Link>
          ))}
        </nav>
        <div className="mt-8 space-y-2 border-t border-neutral-200 pt-4 dark:border-neutral-800">
          <p className="truncate text-xs text-neutral-600 dark:text-neutral-300">{op.email}</p>
          <Link href="/dashboard" className="block text-sm underline">
            Back to the dashboard
          </Link>
          <ThemeToggle />
        </div>
      </DashboardSidebar>
      <main className="min-w-0 flex-1 space-y-6 p-4 md:p-8">
        <ToastProvider>{children}</ToastProvider>
      </main>
    </div>
  );
}
