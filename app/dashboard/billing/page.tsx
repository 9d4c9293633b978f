import { BillingPanel } from "./billing-panel";
import { Card } from "@/components/ui";
import { requireOrgPage } from "@/lib/auth/current-user";
import { billingPageData } from "@/lib/dashboard/page-data";

export const dynamic = "force-dynamic";

// Balance, packs and purchases for everyone in the org; buying, the portal and auto top-up for
// admins and owners. Without Stripe configured: the balance, the history and how the operator grants credits.
export default async function BillingPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const me = await requireOrgPage();
  const q = await searchParams;
  const sessionId = typeof q.session_id === "string" ? q.session_id.slice(0, 200) : undefined;
  const data = await billingPageData(me, sessionId);
  return (
    <>
      <h1 className="text-2xl font-semibold">Billing</h1>
      <Card>
        <BillingPanel {...data} canBuy={me.role !== "member"} canceled={q.checkout === "canceled"} />
      </Card>
    </>
  );
}
