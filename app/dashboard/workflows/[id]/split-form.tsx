"use client";

import { useState } from "react";
import { splitLabelAction } from "./actions";
import { Button, Input } from "@/components/ui";
import { useAction } from "@/components/use-action";

/**
 * Splits a label's traffic between versions (A/B): "3:90,4:10". Each end user keeps the version
 * their bucket falls in; raising the newer version's share only moves users toward it.
 */
export function SplitForm({ orgId, workflowId, labels }: { orgId: string; workflowId: string; labels: string[] }) {
  const run = useAction();
  const [label, setLabel] = useState(labels.includes("production") ? "production" : (labels[0] ?? "production"));
  const [spec, setSpec] = useState("");
  return (
    <form
      className="flex flex-wrap items-center gap-2"
      data-testid="split-form"
      onSubmit={async (e) => {
        e.preventDefault();
        const ok = await run(() => splitLabelAction({ orgId, workflowId, label, spec }), {
          confirm:
            label === "production"
              ? `Split production ${spec}? API calls without a pin follow the split from the next request.`
              : undefined,
          ok: `${label} split ${spec}`,
        });
        if (ok) setSpec("");
      }}
    >
      <span className="text-sm">Split</span>
      <select
        aria-label="Label to split"
        className="rounded-md border border-neutral-300 bg-white px-2 py-1 text-sm dark:border-neutral-700 dark:bg-neutral-900"
        value={label}
        onChange={(e) => setLabel(e.target.value)}
      >
        {labels.map((l) => (
          <option key={l} value={l}>
            {l}
          </option>
        ))}
      </select>
      <Input
        value={spec}
        onChange={(e) => setSpec(e.target.value)}
        placeholder="version:percent, e.g. 3:90,4:10"
        aria-label="Split weights"
      />
      <Button type="submit" variant="secondary">
        Split traffic
      </Button>
    </form>
  );
}
