"use client";

import { archiveAction } from "./actions";
import { Button } from "@/components/ui";
import { useAction } from "@/components/use-action";

export function ArchiveButton({ orgId, workflowId, name }: { orgId: string; workflowId: string; name: string }) {
  const act = useAction();
  return (
    <Button
      variant="secondary"
      type="button"
      onClick={() =>
        act(() => archiveAction({ orgId, workflowId }), {
          confirm: `Archive "${name}"? It leaves this list and API calls to it answer 404. Its runs stay in Usage.`,
          ok: `Archived "${name}"`,
        })
      }
    >
      Archive
    </Button>
  );
}
