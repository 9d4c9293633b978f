"use client";

import { useRouter } from "next/navigation";
import { archiveAction } from "@/app/dashboard/actions";
import { useToast } from "./toast";
import { Button } from "./ui";

export function ArchiveButton({ orgId, workflowId, name }: { orgId: string; workflowId: string; name: string }) {
  const router = useRouter();
  const toast = useToast();
  return (
    <Button variant="secondary" type="button" onClick={async () => {
      if (!window.confirm(`Archive "${name}"? It leaves this list and API calls to it answer 404. Its runs stay in Usage.`)) return;
      const res = await archiveAction({ orgId, workflowId });
      if (!res.ok) return toast.error(res.error.message);
      toast.ok(`Archived "${name}"`);
      router.refresh();
    }}>Archive</Button>
  );
}
