import "server-only";
import { budgetAlertJobHandler } from "@/lib/budgets/alerts";
import { evalJobHandler } from "@/lib/evals/run-eval";
import { isDraining } from "@/lib/runs/in-flight";
import { mailJobHandler } from "@/lib/mail/deliver";
import { autoTopUpAfterSettlement, autoTopUpJobHandler } from "@/lib/billing/auto-top-up";
import { onSettlementCommitted } from "@/lib/credits/settle-queue";
import { runJobHandler } from "@/lib/runs/async-run";
import { webhookJobHandler } from "@/lib/webhooks/deliver";
import { runEventJobHandler } from "@/lib/webhooks/emit-event";
import { startJobWorker } from "@/lib/queue/worker";

/** Starts this instance's queue worker with every job kind's handler (server start; tests). A draining instance claims nothing. */
export function startQueue() {
  // A settlement that leaves an org under its auto top-up threshold claims one (lib/billing).
  onSettlementCommitted(autoTopUpAfterSettlement);
  startJobWorker(
    {
      run: runJobHandler(),
      webhook: webhookJobHandler(),
      "run-event": runEventJobHandler(),
      "auto-top-up": autoTopUpJobHandler(),
      eval: evalJobHandler(),
      mail: mailJobHandler(),
      "budget-alert": budgetAlertJobHandler(),
    },
    isDraining,
  );
}
