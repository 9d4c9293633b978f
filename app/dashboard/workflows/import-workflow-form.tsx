"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { importWorkflowAction } from "./actions";
import { Button, Field, TextArea } from "@/components/ui";

/**
 * Import: an exported workflow document (GET /api/v1/workflows/:id/export), or a prompt pasted as
 * OpenAI's dashboard shows it (instructions with {{variables}}, model). Always a new workflow.
 */
export function ImportWorkflowForm({ orgId }: { orgId: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [document, setDocument] = useState("");
  return (
    <form
      className="grid gap-3"
      action={async (form) => {
        setError(null);
        const res = await importWorkflowAction({ orgId, document, draftOnly: form.get("draftOnly") === "on" });
        if (!res.ok) return setError(res.error.message);
        router.push(`/dashboard/workflows/${res.data.workflow_id}`);
      }}
    >
      <Field
        label="Workflow document or OpenAI prompt"
        hint="Paste an export, a prompt's JSON (instructions, {{variables}}, model) or just its instructions; or choose a file. Nothing is overwritten: this makes a new workflow."
      >
        <TextArea
          name="document"
          rows={4}
          value={document}
          onChange={(e) => setDocument(e.target.value)}
          placeholder='{"format": "flowgate.workflow.v1", …} or {"model": "gpt-4o", "instructions": "Summarize {{text}}"}'
        />
      </Field>
      <div className="flex flex-wrap items-center gap-4">
        <input
          type="file"
          accept="application/json,.json,.txt"
          aria-label="Document file"
          className="text-sm"
          onChange={async (e) => setDocument(await (e.target.files?.[0]?.text() ?? Promise.resolve(document)))}
        />
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name="draftOnly" /> Draft only (leave the versions behind)
        </label>
        <Button type="submit" disabled={!document.trim()}>
          Import
        </Button>
      </div>
      {error ? (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {error}
        </p>
      ) : null}
    </form>
  );
}
