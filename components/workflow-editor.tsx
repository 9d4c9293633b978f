"use client";

import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import { publishAction, saveDraftAction } from "@/app/dashboard/actions";
import { extractVariables, validateTemplate } from "@/lib/workflows/template";
import { Button, Card, Field, Input, TextArea } from "./ui";

type Draft = { name: string; description: string; system: string; template: string; model: string; temperature: number | null; maxOutputTokens: number; webSearch: boolean };
type Model = { id: string; label: string; offline?: boolean };

export function WorkflowEditor({ orgId, workflowId, initial, models, canEdit }: { orgId: string; workflowId: string; initial: Draft; models: Model[]; canEdit: boolean }) {
  const router = useRouter();
  const [d, setD] = useState(initial);
  const [note, setNote] = useState("");
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const vars = useMemo(() => extractVariables(d.template, d.system), [d.template, d.system]);
  const issues = useMemo(() => [...validateTemplate(d.template), ...validateTemplate(d.system)], [d.template, d.system]);
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));

  async function save() {
    const res = await saveDraftAction({ orgId, workflowId, patch: d });
    setMessage(res.ok ? { kind: "ok", text: "Draft saved" } : { kind: "error", text: res.error.message });
    return res.ok;
  }
  async function publish() {
    if (!(await save())) return;
    const res = await publishAction({ orgId, workflowId, note });
    setMessage(res.ok ? { kind: "ok", text: `Published version ${res.data.version}` } : { kind: "error", text: res.error.message });
    router.refresh();
  }

  return (
    <Card title="Editor" actions={canEdit ? <div className="flex gap-2"><Button variant="secondary" onClick={save} disabled={issues.length > 0}>Save draft</Button></div> : null}>
      <fieldset disabled={!canEdit} className="grid gap-4 md:grid-cols-2">
        <Field label="Name"><Input value={d.name} onChange={(e) => set("name", e.target.value)} /></Field>
        <Field label="Model">
          <select className="w-full rounded-md border border-neutral-300 bg-white px-3 py-1.5 text-sm dark:border-neutral-700 dark:bg-neutral-900" value={d.model} onChange={(e) => set("model", e.target.value)}>
            {models.map((m) => <option key={m.id} value={m.id}>{m.label}{m.offline ? " [offline]" : ""}</option>)}
            {models.some((m) => m.id === d.model) ? null : <option value={d.model}>{d.model}</option>}
          </select>
        </Field>
        <div className="md:col-span-2"><Field label="Description"><Input value={d.description} onChange={(e) => set("description", e.target.value)} /></Field></div>
        <div className="md:col-span-2"><Field label="System instructions"><TextArea rows={3} value={d.system} onChange={(e) => set("system", e.target.value)} /></Field></div>
        <div className="md:col-span-2">
          <Field label="Prompt template" hint={<>Variables: {vars.length ? vars.map((v) => <code key={v} className="mr-1 rounded bg-indigo-100 px-1 text-indigo-800 dark:bg-indigo-900 dark:text-indigo-100">{`{{${v}}}`}</code>) : "none"}</>}>
            <TextArea name="template" rows={6} value={d.template} onChange={(e) => set("template", e.target.value)} aria-invalid={issues.length > 0} />
          </Field>
          {issues.map((i) => <p key={i.index + i.message} role="alert" className="text-sm text-red-600">{i.message}</p>)}
        </div>
        <Field label="Temperature"><Input type="number" step="0.1" min={0} max={2} value={d.temperature ?? ""} onChange={(e) => set("temperature", e.target.value === "" ? null : Number(e.target.value))} /></Field>
        <Field label="Max output tokens"><Input type="number" min={1} value={d.maxOutputTokens} onChange={(e) => set("maxOutputTokens", Number(e.target.value))} /></Field>
        <label className="flex items-center gap-2 text-sm"><input type="checkbox" checked={d.webSearch} onChange={(e) => set("webSearch", e.target.checked)} /> Web search (OpenAI Responses models)</label>
      </fieldset>
      {canEdit ? (
        <div className="mt-6 flex items-end gap-3 border-t border-neutral-200 pt-4 dark:border-neutral-800">
          <div className="flex-1"><Field label="Version note (optional)"><Input value={note} onChange={(e) => setNote(e.target.value)} /></Field></div>
          <Button onClick={publish} disabled={issues.length > 0}>Publish</Button>
        </div>
      ) : null}
      {message ? <p role="status" className={`mt-3 text-sm ${message.kind === "ok" ? "text-green-700" : "text-red-600"}`}>{message.text}</p> : null}
    </Card>
  );
}
