"use client";

import { useId } from "react";
import { Button, Card } from "@/components/ui";
import { useActionForm } from "@/components/use-action";
import { adjustCreditsAction, suspendOrgAction, unsuspendOrgAction } from "../../actions";

const input = "w-full rounded-md border border-neutral-400 bg-white px-2 py-1.5 text-sm dark:border-neutral-600 dark:bg-neutral-900";

/** The operator's actions on one org: grant or remove credits, suspend or unsuspend; each with a reason. */
export function OrgActions({ orgId, suspended }: { orgId: string; suspended: boolean }) {
  return (
    <div className="grid gap-6 lg:grid-cols-2">
      <Card title="Grant or remove credits">
        <CreditsForm orgId={orgId} />
      </Card>
      <Card title={suspended ? "Lift the suspension" : "Suspend"}>
        <SuspensionForm orgId={orgId} suspended={suspended} />
      </Card>
    </div>
  );
}

function CreditsForm({ orgId }: { orgId: string }) {
  const { busy, submit } = useActionForm();
  const id = useId();
  return (
    <form
      className="space-y-3"
      onSubmit={(e) =>
        submit(e, (f) => {
          const amount = Number(f.get("amount"));
          const remove = f.get("direction") === "remove";
          return {
            action: () => adjustCreditsAction({ orgId, amount: remove ? -amount : amount, reason: String(f.get("reason")) }),
            confirm: remove ? `Remove ${amount.toLocaleString("en-US")} credits?` : undefined,
            ok: remove ? "Credits removed" : "Credits granted",
          };
        })
      }
    >
      <fieldset className="flex gap-4 text-sm">
        <legend className="sr-only">Grant or remove</legend>
        <label className="flex items-center gap-1">
          <input type="radio" name="direction" value="grant" defaultChecked /> Grant
        </label>
        <label className="flex items-center gap-1">
          <input type="radio" name="direction" value="remove" /> Remove
        </label>
      </fieldset>
      <label className="block space-y-1" htmlFor={`${id}-amount`}>
        <span className="block text-sm font-medium">Credits</span>
        <input id={`${id}-amount`} name="amount" type="number" min={1} step={1} required className={input} />
      </label>
      <label className="block space-y-1" htmlFor={`${id}-reason`}>
        <span className="block text-sm font-medium">Reason (in the ledger and the audit log)</span>
        <input id={`${id}-reason`} name="reason" required maxLength={500} className={input} />
      </label>
      <Button type="submit" disabled={busy}>
        Apply
      </Button>
    </form>
  );
}

function SuspensionForm({ orgId, suspended }: { orgId: string; suspended: boolean }) {
  const { busy, submit } = useActionForm();
  const id = useId();
  return (
    <form
      className="space-y-3"
      onSubmit={(e) =>
        submit(e, (f) => {
          const reason = String(f.get("reason"));
          return suspended
            ? { action: () => unsuspendOrgAction({ orgId, reason }), ok: "Suspension lifted" }
            : {
                action: () => suspendOrgAction({ orgId, reason }),
                confirm: "Suspend this organization? Its keys and stream tokens are refused and its queued runs canceled.",
                ok: "Organization suspended",
              };
        })
      }
    >
      <p className="text-sm text-neutral-600 dark:text-neutral-300">
        {suspended
          ? "Its keys and stream tokens work again once lifted."
          : "Every API key and stream token of the org is refused with 403 org_suspended and this reason; its members see the reason in the dashboard; queued runs are canceled and refunded."}
      </p>
      <label className="block space-y-1" htmlFor={`${id}-reason`}>
        <span className="block text-sm font-medium">{suspended ? "Reason (optional, in the audit log)" : "Reason (shown to the org)"}</span>
        <input id={`${id}-reason`} name="reason" required={!suspended} maxLength={500} className={input} />
      </label>
      <Button type="submit" variant={suspended ? "secondary" : "danger"} disabled={busy}>
        {suspended ? "Unsuspend" : "Suspend"}
      </Button>
    </form>
  );
}
