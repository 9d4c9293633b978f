"use client";

import { useState } from "react";
import { Button } from "@/components/ui";
import { useActionForm } from "@/components/use-action";
import { setModelPriceAction } from "../actions";

const input = "rounded-md border border-neutral-400 bg-white px-2 py-1 text-sm dark:border-neutral-600 dark:bg-neutral-900";

/** Sets a model's price: a new one (model typed in), or a listed one's (compact: in its row, behind an Edit button). */
export function PriceForm({
  model,
  input: inPrice,
  output: outPrice,
  compact,
}: {
  model?: string;
  input?: number;
  output?: number;
  compact?: boolean;
}) {
  const { busy, submit } = useActionForm();
  const [open, setOpen] = useState(!compact);
  if (!open)
    return (
      <Button type="button" variant="secondary" onClick={() => setOpen(true)} aria-label={`Edit the price of ${model}`}>
        Edit
      </Button>
    );
  return (
    <form
      className="flex flex-wrap items-end gap-2"
      onSubmit={async (e) => {
        const ok = await submit(e, (f) => ({
          action: () =>
            setModelPriceAction({
              model: model ?? String(f.get("model")),
              input: Number(f.get("input")),
              output: Number(f.get("output")),
            }),
          ok: "Price saved",
        }));
        if (ok && compact) setOpen(false);
      }}
    >
      {model ? null : (
        <label className="space-y-1">
          <span className="block text-xs font-medium">Model</span>
          <input name="model" required maxLength={200} placeholder="openai:gpt-4.1-mini" className={`${input} w-56 font-mono`} />
        </label>
      )}
      <label className="space-y-1">
        <span className="block text-xs font-medium">{model ? `Input, ${model}` : "Input per 1M tokens"}</span>
        <input name="input" type="number" min={0} step={1} required defaultValue={inPrice} className={`${input} w-36`} />
      </label>
      <label className="space-y-1">
        <span className="block text-xs font-medium">{model ? `Output, ${model}` : "Output per 1M tokens"}</span>
        <input name="output" type="number" min={0} step={1} required defaultValue={outPrice} className={`${input} w-36`} />
      </label>
      <Button type="submit" disabled={busy}>
        Save
      </Button>
      {compact ? (
        <Button type="button" variant="secondary" onClick={() => setOpen(false)}>
          Cancel
        </Button>
      ) : null}
    </form>
  );
}
