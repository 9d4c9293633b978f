import { notFound } from "next/navigation";
import { BudgetsPanel } from "./budgets-panel";
import { Card } from "@/components/ui";
import { requireOrgPage } from "@/lib/auth/current-user";
import { budgetsPageData } from "@/lib/dashboard/page-data";

export const dynamic = "force-dynamic";

// Admins and owners only: members get the not-found page (budgetsPageData re-checks the role).
export default async function BudgetsPage() {
  const me = await requireOrgPage();
  if (me.role === "member") notFound();
  const data = await budgetsPageData(me);
  return (
    <>
      <h1 className="text-2xl font-semibold">Budgets</h1>
      <p className="text-sm text-neutral-600 dark:text-neutral-400">
        Hard caps on what the organization, a workflow, a key or each end user may spend per UTC day or month. A run a budget cannot pay for
        gets 402 <code>budget_exceeded</code>; a budget smaller than a run&apos;s worst case still lets small runs through with their output
        capped.
      </p>
      <Card>
        <BudgetsPanel orgId={me.orgId} {...data} />
      </Card>
    </>
  );
}
