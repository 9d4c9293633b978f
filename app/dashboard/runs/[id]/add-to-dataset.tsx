"use client";

import { useRouter } from "next/navigation";
import { addCaseFromRunAction } from "./actions";
import { Button } from "@/components/ui";
import { useToast } from "@/components/toast";

/** "Add to dataset": this run's inputs become a test case of its workflow, expecting this output. */
export function AddToDataset({ orgId, runId }: { orgId: string; runId: string }) {
  const router = useRouter();
  const toast = useToast();
  return (
    <Button
      variant="secondary"
      type="button"
      onClick={async () => {
        const res = await addCaseFromRunAction({ orgId, runId });
        if (!res.ok) return toast.error(res.error.message);
        toast.ok("Added to the dataset");
        router.push(`/dashboard/workflows/${res.data.workflow_id}/evals`);
      }}
    >
      Add to dataset
    </Button>
  );
}
