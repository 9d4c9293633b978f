"use client";

import { useChat, useCompletion } from "@ai-sdk/react";
import { DefaultChatTransport, type UIMessage } from "ai";
import { useMemo, useRef, useState } from "react";
import { runSummaryAction } from "./actions";
import type { VariableType } from "@/lib/workflows/variable-types";
import { Button, Field, Input, TextArea } from "@/components/ui";

// The playground runs the saved draft through our own stream endpoint with the AI SDK's hooks —
// the same wire a customer's frontend uses — authorised by the dashboard session, not a key.

export type Variable = { name: string; example?: string; description?: string; type?: VariableType; values?: string[] };
/** What a form field holds: text for most types, a checkbox's state for booleans. */
export type Raw = string | boolean;
type Summary = { status: string; tokens: number; credits: number; latencyMs: number | null; runId: string; error: string | null };
type RunMeta = { run_id?: string; usage?: { total_tokens: number }; credits_charged?: number; status?: string };

export function Playground({
  orgId,
  workflowId,
  variables,
  beforeRun,
}: {
  orgId: string;
  workflowId: string;
  variables: Variable[];
  /** Saves the editor's draft first, so the playground runs what is on screen; false = don't run. */
  beforeRun: () => Promise<boolean>;
}) {
  const [tab, setTab] = useState<"form" | "chat">("form");
  const api = `/api/playground/${workflowId}`;
  const headers = useMemo(() => ({ "x-flowgate-org": orgId }), [orgId]);
  return (
    <div>
      <div role="tablist" aria-label="Playground mode" className="mb-4 flex gap-1 border-b border-neutral-200 dark:border-neutral-800">
        {(["form", "chat"] as const).map((t) => (
          <button
            key={t}
            role="tab"
            aria-selected={tab === t}
            onClick={() => setTab(t)}
            className={`-mb-px border-b-2 px-3 py-1.5 text-sm ${tab === t ? "border-indigo-600 font-medium" : "border-transparent text-neutral-500"}`}
          >
            {t === "form" ? "Form" : "Chat"}
          </button>
        ))}
      </div>
      {tab === "form" ? (
        <FormRun api={api} headers={headers} orgId={orgId} variables={variables} beforeRun={beforeRun} />
      ) : (
        <ChatRun api={api} headers={headers} variables={variables} beforeRun={beforeRun} />
      )}
    </div>
  );
}

function FormRun({
  api,
  headers,
  orgId,
  variables,
  beforeRun,
}: {
  api: string;
  headers: Record<string, string>;
  orgId: string;
  variables: Variable[];
  beforeRun: () => Promise<boolean>;
}) {
  const [values, setValues] = useState<Record<string, Raw>>(() => initialValues(variables));
  const [invalid, setInvalid] = useState<string | null>(null);
  const [summary, setSummary] = useState<Summary | null>(null);
  const runId = useRef<string | null>(null);
  const started = useRef(0);
  const { completion, complete, isLoading, error, stop } = useCompletion({
    api,
    headers,
    streamProtocol: "text",
    // The run id arrives as a header; the run's tokens and credits are read back once it ends.
    fetch: async (input, init) => {
      const res = await fetch(input, init);
      runId.current = res.headers.get("x-run-id");
      return res;
    },
    onFinish: () => void loadSummary(),
    onError: () => void loadSummary(),
  });

  async function loadSummary() {
    const id = runId.current;
    if (!id) return;
    const res = await runSummaryAction({ orgId, runId: id });
    if (res.ok) {
      const r = res.data;
      setSummary({
        runId: r.run_id,
        status: r.status,
        tokens: r.usage.total_tokens,
        credits: r.credits_charged,
        latencyMs: r.latency_ms ?? Math.round(performance.now() - started.current),
        error: r.error_code,
      });
    }
  }

  async function run() {
    const body = typedBody(variables, values);
    setInvalid(typeof body === "string" ? body : null);
    if (typeof body === "string" || !(await beforeRun())) return;
    setSummary(null);
    runId.current = null;
    started.current = performance.now();
    await complete("", { body });
  }

  return (
    <div className="grid gap-4 md:grid-cols-2">
      <form
        className="space-y-3"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        {variables.length === 0 ? <p className="text-sm text-neutral-500">This template has no variables: just run it.</p> : null}
        {variables.map((v) => (
          <Field key={v.name} label={v.type && v.type !== "text" ? `${v.name} (${v.type})` : v.name} hint={v.description}>
            <VariableInput variable={v} value={values[v.name] ?? ""} onChange={(x) => setValues((all) => ({ ...all, [v.name]: x }))} />
          </Field>
        ))}
        {invalid ? (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {invalid}
          </p>
        ) : null}
        <div className="flex gap-2">
          <Button type="submit" disabled={isLoading}>
            {isLoading ? "Running…" : "Run draft"}
          </Button>
          {isLoading ? (
            <Button type="button" variant="secondary" onClick={stop}>
              Stop
            </Button>
          ) : null}
        </div>
      </form>
      <div className="space-y-2">
        <div
          data-testid="playground-output"
          aria-live="polite"
          aria-busy={isLoading}
          className="min-h-32 whitespace-pre-wrap rounded-md border border-neutral-200 bg-neutral-50 p-3 text-sm dark:border-neutral-800 dark:bg-neutral-900"
        >
          {completion || <span className="text-neutral-600 dark:text-neutral-400">Output appears here as it streams.</span>}
        </div>
        {error ? (
          <p role="alert" className="text-sm text-red-600 dark:text-red-400">
            {errorText(error)}
          </p>
        ) : null}
        {summary ? (
          <p data-testid="playground-summary" className="font-mono text-xs text-neutral-500">
            {summary.status} · {summary.tokens} tokens · {summary.credits} credits · {summary.latencyMs ?? "–"} ms · {summary.runId}
          </p>
        ) : null}
      </div>
    </div>
  );
}

function ChatRun({
  api,
  headers,
  variables,
  beforeRun,
}: {
  api: string;
  headers: Record<string, string>;
  variables: Variable[];
  beforeRun: () => Promise<boolean>;
}) {
  // Every variable but the first comes from these fields; the first takes the latest user message
  // (how the stream endpoint fills a missing variable for useChat clients).
  const fixed = variables.slice(1);
  const [values, setValues] = useState<Record<string, Raw>>(() => initialValues(fixed));
  const [input, setInput] = useState("");
  // A field that does not parse (json) is sent as typed, and the API's 400 says what is wrong.
  const transport = useMemo(
    () =>
      new DefaultChatTransport<UIMessage<RunMeta>>({
        api,
        headers,
        body: () => {
          const b = typedBody(fixed, values);
          return typeof b === "string" ? values : b;
        },
      }),
    [api, headers, values, fixed],
  );
  const { messages, sendMessage, status, error, stop, setMessages } = useChat<UIMessage<RunMeta>>({ transport });
  const busy = status === "submitted" || status === "streaming";

  async function send() {
    const text = input.trim();
    if (!text || !(await beforeRun())) return;
    setInput("");
    await sendMessage({ text });
  }

  return (
    <div className="space-y-3">
      {fixed.length ? (
        <div className="grid gap-3 md:grid-cols-2">
          {fixed.map((v) => (
            <Field key={v.name} label={v.name}>
              <VariableInput variable={v} value={values[v.name] ?? ""} onChange={(x) => setValues((all) => ({ ...all, [v.name]: x }))} />
            </Field>
          ))}
        </div>
      ) : null}
      <ol className="space-y-2" aria-label="Conversation">
        {messages.map((m) => (
          <li
            key={m.id}
            className={`rounded-md p-3 text-sm ${m.role === "user" ? "bg-indigo-50 dark:bg-indigo-950" : "bg-neutral-100 dark:bg-neutral-900"}`}
          >
            <span className="mr-2 text-xs font-semibold uppercase text-neutral-500">{m.role}</span>
            <span className="whitespace-pre-wrap">{m.parts.map((p) => (p.type === "text" ? p.text : "")).join("")}</span>
            {m.metadata?.usage ? (
              <span className="mt-1 block font-mono text-xs text-neutral-500">
                {m.metadata.usage.total_tokens} tokens · {m.metadata.credits_charged} credits · {m.metadata.run_id}
              </span>
            ) : null}
          </li>
        ))}
      </ol>
      {messages.length === 0 ? (
        <p className="text-sm text-neutral-500">
          {variables[0]
            ? `Your message fills {{${variables[0].name}}}; earlier turns are sent as the conversation.`
            : "Send a message to start."}
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="text-sm text-red-600 dark:text-red-400">
          {errorText(error)}
        </p>
      ) : null}
      <form
        className="flex gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <Input aria-label="Message" value={input} onChange={(e) => setInput(e.target.value)} placeholder="Message" />
        <Button type="submit" disabled={busy}>
          Send
        </Button>
        {busy ? (
          <Button type="button" variant="secondary" onClick={stop}>
            Stop
          </Button>
        ) : null}
        {messages.length ? (
          <Button type="button" variant="secondary" onClick={() => setMessages([])}>
            Clear
          </Button>
        ) : null}
      </form>
    </div>
  );
}

export function initialValues(variables: Variable[]): Record<string, Raw> {
  return Object.fromEntries(
    variables.map((v) => [
      v.name,
      v.type === "boolean" ? v.example === "true" : v.type === "enum" ? (v.example ?? v.values?.[0] ?? "") : (v.example ?? ""),
    ]),
  );
}

/** The run body: each field as its variable's type wants it (a number as a number, JSON parsed); a message when a field cannot be. */
export function typedBody(variables: Variable[], values: Record<string, Raw>): Record<string, unknown> | string {
  const body: Record<string, unknown> = {};
  for (const v of variables) {
    const raw = values[v.name] ?? "";
    if (v.type === "number") body[v.name] = raw === "" ? raw : Number(raw);
    else if (v.type === "json") {
      try {
        body[v.name] = JSON.parse(String(raw));
      } catch {
        return `{{${v.name}}} is not valid JSON`;
      }
    } else body[v.name] = raw;
  }
  return body;
}

/** The control for one variable's type; an image takes a URL or an uploaded file (sent as a data: URL). */
export function VariableInput({ variable: v, value, onChange }: { variable: Variable; value: Raw; onChange: (v: Raw) => void }) {
  const name = `var-${v.name}`;
  switch (v.type) {
    case "number":
      return (
        <Input
          type="number"
          step="any"
          name={name}
          value={String(value)}
          placeholder={v.example}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    case "boolean":
      return (
        <label className="flex items-center gap-2 text-sm">
          <input type="checkbox" name={name} checked={value === true} onChange={(e) => onChange(e.target.checked)} />{" "}
          {String(value === true)}
        </label>
      );
    case "enum":
      return (
        <select
          name={name}
          value={String(value)}
          onChange={(e) => onChange(e.target.value)}
          className="w-full rounded-md border border-neutral-300 bg-white px-3 py-1.5 text-sm dark:border-neutral-700 dark:bg-neutral-900"
        >
          {(v.values ?? []).map((x) => (
            <option key={x} value={x}>
              {x}
            </option>
          ))}
        </select>
      );
    case "image":
      return (
        <div className="space-y-1">
          <Input
            name={name}
            value={String(value).startsWith("data:") ? "" : String(value)}
            placeholder={String(value).startsWith("data:") ? "(uploaded file)" : "https://… image URL"}
            onChange={(e) => onChange(e.target.value)}
          />
          <input
            type="file"
            accept="image/png,image/jpeg,image/webp,image/gif"
            aria-label={`${v.name} file`}
            className="text-xs"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (!file) return;
              const reader = new FileReader();
              reader.onload = () => onChange(String(reader.result));
              reader.readAsDataURL(file);
            }}
          />
          {value ? <img src={String(value)} alt={`${v.name} preview`} className="max-h-24 rounded border border-neutral-200" /> : null}
        </div>
      );
    default:
      return (
        <TextArea
          rows={v.type === "json" ? 4 : 2}
          name={name}
          value={String(value)}
          placeholder={v.example}
          onChange={(e) => onChange(e.target.value)}
        />
      );
  }
}

/** The hooks surface a non-2xx body as the error message: show the seed's `error` text from it. */
export function errorText(e: Error) {
  try {
    const body = JSON.parse(e.message) as { error?: string };
    return body.error ?? e.message;
  } catch {
    return e.message;
  }
}
