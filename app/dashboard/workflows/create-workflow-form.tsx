"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { createWorkflowAction } from "./actions";
import { Button, Field, Input, TextArea } from "@/components/ui";

export function CreateWorkflowForm({ orgId }: { orgId: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  return (
    <form
      className="grid gap-3 md:grid-cols-[1fr_2fr_auto] md:items-end"
      action={async (form) => {
        const res = await createWorkflowAction({ orgId, name: String(form.get("name")), template: String(form.get("template")) });
        if (!res.ok) return setError(res.error.message);
        router.push(`/dashboard/workflows/${res.data.workflow_id}`);
      }}
    >
      <Field label="Name">
        <Input name="name" required placeholder="Story writer" />
      </Field>
      <Field label="Prompt template" hint="Use {{variable}} placeholders.">
        <TextArea name="template" required rows={1} defaultValue="Write a short story about {{story}}" />
      </Field>
      <Button type="submit">Create</Button>
      {error ? (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400 md:col-span-3">
          {error}
        </p>
      ) : null}
    </form>
  );
}
