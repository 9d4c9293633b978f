"use client";

import type { z } from "zod";
import { useRouter } from "next/navigation";
import { Fragment, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { publishAction, saveDraftAction, setEndUserRateLimitAction } from "./actions";
import { MAX_END_USER_RATE_LIMIT, workflowContent, type variableMeta } from "@/lib/workflows/schemas";
import { extractVariables, validateTemplate } from "@/lib/workflows/template";
import { outputSchemaIssue, type OutputSchema } from "@/lib/workflows/output-schema";
import { enumHasValues, VARIABLE_TYPES, type VariableType } from "@/lib/workflows/variable-types";
import { Playground } from "./playground";
import { ToolsField } from "./tools-field";
import { Compare, type JudgeOption } from "./compare";
import { useToast } from "@/components/toast";
import { Button, Card, Field, Input, TextArea } from "@/components/ui";

type VariableMeta = z.infer<typeof variableMeta>;
type Draft = z.infer<typeof workflowContent>;
type Price = { input: number; output: number };
type Model = { id: string; label: string; offline?: boolean; available?: boolean; price?: Price | null };
/** What a model missing from the catalogue costs on this server. */
type Unpriced = { refuse: boolean; price: Price };

const perM = (p: Price) => `${p.input.toLocaleString("en-US")} in / ${p.output.toLocaleString("en-US")} out credits per 1M tokens`;

/** Read only: prices are set by the operator (`npm run admin -- model price`). */
function PriceNote({ model, models, unpriced }: { model: string; models: Model[]; unpriced?: Unpriced }) {
  const price = models.find((m) => m.id === model)?.price;
  const text = price
    ? perM(price)
    : unpriced?.refuse
      ? "No price set: this server refuses to run unpriced models"
      : unpriced
        ? `No price set: charged the default ${perM(unpriced.price)}`
        : null;
  return text ? (
    <p data-testid="model-price" className="mt-1 text-xs text-neutral-500">
      {text}
    </p>
  ) : null;
}

const AUTOSAVE_MS = 800;

export function WorkflowEditor({
  orgId,
  workflowId,
  initial,
  models,
  unpriced,
  canEdit,
  versions,
  judges,
  endUserRateLimit,
}: {
  orgId: string;
  workflowId: string;
  initial: Draft;
  /** The workflow's end_user_rate_limit_per_minute (a setting, saved on its own: not part of the draft). */
  endUserRateLimit: number | null;
  models: Model[];
  unpriced?: Unpriced;
  canEdit: boolean;
  /** Published versions, newest first (Compare's columns). */
  versions: { version: number; model: string }[];
  /** The dataset's judge checks (Compare scores each column with one). */
  judges: JudgeOption[];
}) {
  const router = useRouter();
  const toast = useToast();
  const [d, setD] = useState(initial);
  const [note, setNote] = useState("");
  const [saveState, setSaveState] = useState<"saved" | "dirty" | "saving" | "error">("saved");
  const saved = useRef(JSON.stringify(initial));
  const vars = useMemo(() => extractVariables(d.template, d.system), [d.template, d.system]);
  // Only metadata for variables still in the template is kept.
  const patch = useMemo(() => ({ ...d, variables: d.variables.filter((v) => vars.includes(v.name)) }), [d, vars]);
  const meta = (name: string) => d.variables.find((v) => v.name === name) ?? { name };
  // The schema as typed; the draft takes it once it parses and is one the API accepts.
  const [schemaText, setSchemaText] = useState(() => (initial.outputSchema ? JSON.stringify(initial.outputSchema, null, 2) : ""));
  const schemaIssue = useMemo(() => outputSchemaTextIssue(schemaText), [schemaText]);
  const [toolsIssue, setToolsIssue] = useState<string | null>(null);
  // Bumped when Compare's "Use this" replaces the draft: the Tools field re-reads it.
  const [adopted, setAdopted] = useState(0);
  // The server's own schema, checked before saving: an over-long field or an enum without values
  // is flagged where it is typed.
  const issues = useMemo(
    () => [
      ...validateTemplate(d.template).map((i) => i.message),
      ...validateTemplate(d.system).map((i) => i.message),
      ...contentIssues(patch),
    ],
    [d.template, d.system, patch],
  );
  // Nothing is saved while anything is flagged (the schema's problem is shown at its field).
  const blocked = issues.length > 0 || schemaIssue !== null || toolsIssue !== null;
  const set = <K extends keyof Draft>(k: K, v: Draft[K]) => setD((x) => ({ ...x, [k]: v }));
  const setMeta = (name: string, patch: Partial<VariableMeta>) =>
    setD((x) => ({ ...x, variables: [...x.variables.filter((v) => v.name !== name), { ...meta(name), ...patch }] }));

  /** Saves the draft if it changed; false when it could not be saved (invalid, refused). */
  const save = useCallback(async (): Promise<boolean> => {
    const body = JSON.stringify(d);
    if (body === saved.current) return true;
    if (blocked) return false;
    setSaveState("saving");
    const res = await saveDraftAction({ orgId, workflowId, patch });
    if (res.ok) {
      saved.current = body;
      setSaveState("saved");
      return true;
    }
    setSaveState("error");
    toast.error(res.error.message);
    return false;
  }, [d, patch, blocked, orgId, workflowId, toast]);

  // Drafts autosave a moment after the last edit (never an invalid one: it is flagged instead).
  useEffect(() => {
    if (!canEdit) return;
    if (JSON.stringify(d) === saved.current) return setSaveState(blocked ? "dirty" : "saved");
    setSaveState("dirty");
    if (blocked) return;
    const t = setTimeout(() => void save(), AUTOSAVE_MS);
    return () => clearTimeout(t);
  }, [d, canEdit, blocked, save]);

  async function publish() {
    if (!(await save())) return;
    const res = await publishAction({ orgId, workflowId, note });
    if (res.ok) {
      toast.ok(`Published version ${res.data.version}`);
      setNote("");
    } else toast.error(res.error.message);
    router.refresh();
  }

  const status = {
    saved: "All changes saved",
    dirty: blocked ? "Not saved: fix the errors below" : "Unsaved changes…",
    saving: "Saving…",
    error: "Could not save",
  }[saveState];
  return (
    <>
      <Card
        title="Editor"
        actions={
          canEdit ? (
            <span role="status" data-testid="save-state" className="text-xs text-neutral-500">
              {status}
            </span>
          ) : (
            <span className="text-xs text-neutral-500">Read only (member)</span>
          )
        }
      >
        <fieldset disabled={!canEdit} className="grid gap-4 md:grid-cols-2">
          <Field label="Name">
            <Input value={d.name} onChange={(e) => set("name", e.target.value)} />
          </Field>
          <Field label="Model">
            <select
              name="model"
              className="w-full rounded-md border border-neutral-300 bg-white px-3 py-1.5 text-sm dark:border-neutral-700 dark:bg-neutral-900"
              value={d.model}
              onChange={(e) => set("model", e.target.value)}
            >
              {models.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.label}
                  {m.offline ? " [offline]" : ""}
                  {m.available === false ? " (not configured: set OPENAI_API_KEY or OPENAI_BASE_URL)" : ""}
                </option>
              ))}
              {models.some((m) => m.id === d.model) ? null : <option value={d.model}>{d.model}</option>}
            </select>
            <Input
              aria-label="Other model id"
              placeholder="or type <provider>:<model>"
              defaultValue=""
              onBlur={(e) => {
                const v = e.target.value.trim();
                if (/^[^:\s]+:\S+$/.test(v)) set("model", v);
              }}
            />
            <PriceNote model={d.model} models={models} unpriced={unpriced} />
          </Field>
          <div className="md:col-span-2">
            <Field label="Description">
              <Input value={d.description} onChange={(e) => set("description", e.target.value)} />
            </Field>
          </div>
          <div className="md:col-span-2">
            <Field label="System instructions">
              <TextArea rows={3} value={d.system} onChange={(e) => set("system", e.target.value)} />
            </Field>
          </div>
          <div className="md:col-span-2">
            <Field label="Prompt template" hint="Use {{variable}} placeholders; callers send one JSON field per variable.">
              <TextArea
                name="template"
                rows={6}
                value={d.template}
                onChange={(e) => set("template", e.target.value)}
                aria-invalid={issues.length > 0}
              />
            </Field>
            <p
              aria-label="Template preview"
              className="mt-2 whitespace-pre-wrap rounded-md bg-neutral-50 p-2 font-mono text-xs text-neutral-600 dark:bg-neutral-900 dark:text-neutral-300"
            >
              <Highlighted text={d.template} />
            </p>
            {issues.map((i) => (
              <p key={i} role="alert" className="mt-1 text-sm text-red-600 dark:text-red-400">
                {i}
              </p>
            ))}
          </div>
          <div className="md:col-span-2">
            <p className="mb-2 text-sm font-medium">Variables</p>
            {vars.length === 0 ? (
              <p className="text-sm text-neutral-500">No variables yet: add a {"{{placeholder}}"} to the template.</p>
            ) : (
              <div className="grid grid-cols-[auto_auto_1fr_1fr] items-center gap-2 text-sm">
                {vars.map((v) => (
                  <Fragment key={v}>
                    <code className="rounded bg-indigo-100 px-1 text-indigo-800 dark:bg-indigo-900 dark:text-indigo-100">{`{{${v}}}`}</code>
                    <VariableTypeControl meta={meta(v)} onChange={(p) => setMeta(v, p)} />
                    <Input
                      aria-label={`${v} description`}
                      placeholder="Description (optional)"
                      value={meta(v).description ?? ""}
                      onChange={(e) => setMeta(v, { description: e.target.value })}
                    />
                    <Input
                      aria-label={`${v} example`}
                      placeholder="Example (optional)"
                      value={meta(v).example ?? ""}
                      onChange={(e) => setMeta(v, { example: e.target.value })}
                    />
                  </Fragment>
                ))}
              </div>
            )}
          </div>
          <Field label="Temperature" hint="Empty: the model's default.">
            <Input
              type="number"
              step="0.1"
              min={0}
              max={2}
              value={d.temperature ?? ""}
              onChange={(e) => set("temperature", e.target.value === "" ? null : Number(e.target.value))}
            />
          </Field>
          <Field label="Max output tokens">
            <Input type="number" min={1} value={d.maxOutputTokens} onChange={(e) => set("maxOutputTokens", Number(e.target.value))} />
          </Field>
          <Field
            label="Fallback models"
            hint="Comma-separated <provider>:<model>, tried in order when the model fails before its first token."
          >
            <Input
              aria-label="Fallback models"
              defaultValue={d.fallbackModels.join(", ")}
              onBlur={(e) =>
                set(
                  "fallbackModels",
                  e.target.value
                    .split(",")
                    .map((m) => m.trim())
                    .filter(Boolean),
                )
              }
            />
          </Field>
          <Field label="Attempts per model" hint="Retries on 408/409/429/5xx, timeouts and connection errors, before the first token only.">
            <Input type="number" min={1} max={10} value={d.maxAttempts} onChange={(e) => set("maxAttempts", Number(e.target.value))} />
          </Field>
          <EndUserRateLimitField orgId={orgId} workflowId={workflowId} initial={endUserRateLimit} canEdit={canEdit} />
          <label className="flex items-center gap-2 text-sm">
            <input type="checkbox" checked={d.webSearch} onChange={(e) => set("webSearch", e.target.checked)} /> Web search (OpenAI
            Responses models)
          </label>
          <div className="md:col-span-2">
            <Field
              label="Output schema (optional)"
              hint='A JSON Schema with "type": "object": the model answers with a matching object, /run returns it as `output`, and an answer that does not match fails the run. Empty: free text.'
            >
              <TextArea
                name="outputSchema"
                rows={5}
                value={schemaText}
                aria-invalid={!!schemaIssue}
                onChange={(e) => {
                  setSchemaText(e.target.value);
                  if (!outputSchemaTextIssue(e.target.value))
                    set("outputSchema", e.target.value.trim() ? JSON.parse(e.target.value) : null);
                }}
              />
            </Field>
            {schemaIssue ? (
              <p role="alert" className="mt-1 text-sm text-red-600 dark:text-red-400">
                Output schema {schemaIssue}
              </p>
            ) : null}
          </div>
          <ToolsField
            key={adopted}
            tools={d.tools}
            maxSteps={d.maxSteps}
            onTools={(t) => set("tools", t)}
            onMaxSteps={(n) => set("maxSteps", n)}
            onIssue={setToolsIssue}
          />
        </fieldset>
        {canEdit ? (
          <div className="mt-6 flex items-end gap-3 border-t border-neutral-200 pt-4 dark:border-neutral-800">
            <div className="flex-1">
              <Field label="Version note (optional)">
                <Input value={note} onChange={(e) => setNote(e.target.value)} />
              </Field>
            </div>
            <Button onClick={publish} disabled={blocked}>
              Publish
            </Button>
          </div>
        ) : null}
      </Card>
      <Card title="Playground">
        <Playground orgId={orgId} workflowId={workflowId} variables={vars.map(meta)} beforeRun={canEdit ? save : async () => true} />
      </Card>
      <Card title="Compare">
        <Compare
          orgId={orgId}
          workflowId={workflowId}
          variables={vars.map(meta)}
          versions={versions}
          draftModel={d.model}
          models={models}
          judges={judges}
          canEdit={canEdit}
          beforeRun={canEdit ? save : async () => true}
          onAdopt={(next) => {
            // The server's draft now: shown as saved (nothing for the autosave to write back).
            const draft = next as Draft;
            saved.current = JSON.stringify(draft);
            setD(draft);
            setSchemaText(draft.outputSchema ? JSON.stringify(draft.outputSchema, null, 2) : "");
            setAdopted((n) => n + 1);
          }}
        />
      </Card>
    </>
  );
}

/** The schema's complaints about the draft, named by field (a variable's by its name). */
/**
 * The workflow's per-end-user rate limit: saved when the field is left (not with the draft — it is a
 * setting of the workflow and applies at once to every version). Empty: no limit.
 */
function EndUserRateLimitField({
  orgId,
  workflowId,
  initial,
  canEdit,
}: {
  orgId: string;
  workflowId: string;
  initial: number | null;
  canEdit: boolean;
}) {
  const toast = useToast();
  const [text, setText] = useState(initial === null ? "" : String(initial));
  const saved = useRef(initial);
  const value = text.trim() === "" ? null : Number(text);
  const invalid = value !== null && (!Number.isInteger(value) || value < 1 || value > MAX_END_USER_RATE_LIMIT);
  async function commit() {
    if (invalid || value === saved.current) return;
    const res = await setEndUserRateLimitAction({ orgId, workflowId, limit: value });
    if (!res.ok) return toast.error(res.error.message);
    saved.current = value;
    toast.ok(value === null ? "End-user rate limit removed" : `End-user rate limit: ${value} per minute`);
  }
  return (
    <Field
      label="End-user rate limit (per minute)"
      hint={
        invalid
          ? `A whole number from 1 to ${MAX_END_USER_RATE_LIMIT}, or empty`
          : "Requests per minute per end user (a stream token's user, a run's `user`). Applies at once to every version; empty: none."
      }
    >
      <Input
        name="endUserRateLimitPerMinute"
        type="number"
        min={1}
        max={MAX_END_USER_RATE_LIMIT}
        step={1}
        disabled={!canEdit}
        aria-invalid={invalid}
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={() => void commit()}
      />
    </Field>
  );
}

function contentIssues(patch: Draft): string[] {
  const parsed = workflowContent.safeParse(patch);
  if (parsed.success) return [];
  return parsed.error.issues.map((i) => {
    const [field, index, sub] = i.path;
    const where =
      field === "variables" && typeof index === "number"
        ? `{{${patch.variables[index]?.name}}} ${String(sub ?? "")}`
        : String(field ?? "draft");
    return `${where.trim()}: ${i.message}`;
  });
}

/** Why the typed output schema cannot be saved, or null (empty is fine: free text). */
function outputSchemaTextIssue(text: string): string | null {
  if (!text.trim()) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return "is not valid JSON";
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return "must be a JSON object";
  return outputSchemaIssue(parsed as OutputSchema);
}

/** A variable's type, and for an enum its values (written a|b|c). */
function VariableTypeControl({ meta, onChange }: { meta: VariableMeta; onChange: (patch: Partial<VariableMeta>) => void }) {
  const type = meta.type ?? "text";
  return (
    <span className="flex items-center gap-1">
      <select
        aria-label={`${meta.name} type`}
        value={type}
        className="rounded-md border border-neutral-300 bg-white px-2 py-1.5 text-sm dark:border-neutral-700 dark:bg-neutral-900"
        onChange={(e) => {
          const t = e.target.value as VariableType;
          onChange(t === "enum" ? { type: t } : { type: t === "text" ? undefined : t, values: undefined });
        }}
      >
        {VARIABLE_TYPES.map((t) => (
          <option key={t} value={t}>
            {t}
          </option>
        ))}
      </select>
      {type === "enum" ? (
        <Input
          aria-label={`${meta.name} values`}
          placeholder="a|b|c"
          aria-invalid={!enumHasValues(meta)}
          value={(meta.values ?? []).join("|")}
          onChange={(e) =>
            onChange({
              values: e.target.value
                .split("|")
                .map((s) => s.trim())
                .filter(Boolean),
            })
          }
        />
      ) : null}
    </span>
  );
}

/** The template with its {{variables}} marked (valid names highlighted, invalid ones in red). */
function Highlighted({ text }: { text: string }) {
  const parts = text.split(/(\{\{[^{}]*\}\})/g);
  return parts.map((p, i) => {
    if (!p.startsWith("{{") || !p.endsWith("}}")) return <Fragment key={i}>{p}</Fragment>;
    const ok = /^\{\{\s*[A-Za-z_][A-Za-z0-9_]*\s*\}\}$/.test(p);
    return (
      <mark
        key={i}
        className={
          ok
            ? "rounded bg-indigo-100 px-0.5 text-indigo-800 dark:bg-indigo-900 dark:text-indigo-100"
            : "rounded bg-red-100 px-0.5 text-red-700 dark:bg-red-900 dark:text-red-100"
        }
      >
        {p}
      </mark>
    );
  });
}
