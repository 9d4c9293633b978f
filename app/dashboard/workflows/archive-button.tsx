"use client";

import { archiveAction } from "./actions";
import { ActionButton } from "@/components/action-button";

export function ArchiveButton({ orgId, workflowId, name }: { orgId: string; workflowId: string; name: string }) {
  return (
    <ActionButton
      variant="secondary"
      action={() => archiveAction({ orgId, workflowId })}
      confirm={`Archive "${name}"? It leaves this list and API calls to it answer 404. Its runs stay in Usage.`}
      ok={`Archived "${name}"`}
    >
      Archive
    </ActionButton>
  );
}
