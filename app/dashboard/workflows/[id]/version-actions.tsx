"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { restoreVersionAction, unpublishAction } from "./actions";
import { useToast } from "@/components/toast";
import { Button } from "@/components/ui";

/** "Restore into draft" for a version; "Unpublish" for the live one. Both ask first. */
export function VersionActions({
  orgId,
  workflowId,
  version,
  live,
}: {
  orgId: string;
  workflowId: string;
  version: number;
  live: boolean;
}) {
  const router = useRouter();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  async function act(kind: "restore" | "unpublish") {
    const ask =
      kind === "restore"
        ? `Replace the draft's template, instructions and model settings with version ${version}?`
        : // README, "Labels and pins": unpublishing removes production; pins name published versions and keep running.
          "Unpublish? API calls without a version or label will answer 404 until you publish again. Calls pinned to a version or a label (latest, staging, …) keep running: archive the workflow to stop those too.";
    if (!window.confirm(ask)) return;
    setBusy(true);
    const res =
      kind === "restore" ? await restoreVersionAction({ orgId, workflowId, version }) : await unpublishAction({ orgId, workflowId });
    setBusy(false);
    if (!res.ok) return toast.error(res.error.message);
    toast.ok(kind === "restore" ? `Version ${version} restored into the draft` : "Unpublished");
    // The editor holds the draft in state: reload it from the server.
    if (kind === "restore") window.location.reload();
    else router.refresh();
  }
  return (
    <span className="flex gap-2">
      <Button variant="secondary" disabled={busy} onClick={() => act("restore")}>
        Restore into draft
      </Button>
      {live ? (
        <Button variant="danger" disabled={busy} onClick={() => act("unpublish")}>
          Unpublish
        </Button>
      ) : null}
    </span>
  );
}
