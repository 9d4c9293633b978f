import "server-only";
import { isDraining } from "@/lib/runs/drain";
import { runJobHandler } from "@/lib/runs/async-run";
import { webhookJobHandler } from "@/lib/webhooks/deliver";
import { runEventJobHandler } from "@/lib/webhooks/emit-event";
import { mailJobHandler } from "@/lib/mail/deliver";
import { startJobWorker } from "./worker";

/** Starts this instance's queue worker with every job kind's handler (server start; tests). A draining instance claims nothing. */
export function startQueue() {
  startJobWorker({ run: runJobHandler(), webhook: webhookJobHandler(), "run-event": runEventJobHandler(), mail: mailJobHandler() }, isDraining);
}
