"use client";

import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { createEvalCaseAction, importEvalCasesAction, removeEvalCaseAction, requirePassingEvalAction, runEvalAction } from "./actions";
import { ActionButton } from "@/components/action-button";
import { Button, Input } from "@/components/ui";
import { useAction } from "@/components/use-action";
import { useToast } from "@/components/toast";

type Ids = { orgId: string; workflowId: string };
const box = "w-full rounded-md border border-neutral-300 bg-white px-2 py-1 font-mono text-xs dark:border-neutral-700 dark:bg-neutral-900";
const selectLook = "rounded-md border border-neutral-300 bg-white px-2 py-1 text-sm dark:border-neutral-700 dark:bg-neutral-900";

/** A new case: its inputs as JSON and one expectation. */
export function AddCaseForm({ orgId, workflowId, variables }: Ids & { variables: string[] }) {
  const run = useAction();
  const [name, setName] = useState("");
  const [inputs, setInputs] = useState(JSON.stringify(Object.fromEntries(variables.map((v) => [v, ""]))));
  const [type, setType] = useState("contains");
  const [value, setValue] = useState("");
  const [passScore, setPassScore] = useState("0.7");
  return (
    <form
      className="grid gap-2 md:grid-cols-[1fr_2fr_auto_1fr_auto]"
      data-testid="add-case"
      onSubmit={async (e) => {
        e.preventDefault();
        let parsed: unknown;
        try {
          parsed = JSON.parse(inputs);
        } catch {
          parsed = inputs; // the server says what is wrong with it
        }
        const expectation =
          type === "regex"
            ? { type, pattern: value }
            : type === "max_output_tokens"
              ? { type, value: Number(value) }
              : type === "judge"
                ? { type, rubric: value, pass_score: Number(passScore) }
                : { type, value };
        const ok = await run(
          () => createEvalCaseAction({ orgId, workflowId, case: { name: name || undefined, inputs: parsed, expectations: [expectation] } }),
          { ok: "Test case added" },
        );
        if (ok) (setName(""), setValue(""));
      }}
    >
      <Input value={name} onChange={(e) => setName(e.target.value)} placeholder="Name (optional)" aria-label="Case name" />
      <input className={box} value={inputs} onChange={(e) => setInputs(e.target.value)} aria-label="Case inputs (JSON)" />
      <select className={selectLook} value={type} onChange={(e) => setType(e.target.value)} aria-label="Expectation">
        <option value="contains">contains</option>
        <option value="not_contains">does not contain</option>
        <option value="equals">equals</option>
        <option value="regex">matches regex</option>
        <option value="max_output_tokens">at most N output tokens</option>
        <option value="judge">judged against a rubric</option>
      </select>
      <div className="flex gap-1">
        <Input
          value={value}
          onChange={(e) => setValue(e.target.value)}
          placeholder={type === "judge" ? "Rubric (at most 2,000 characters)" : "Expected"}
          aria-label="Expected value"
        />
        {type === "judge" ? (
          <Input
            className="w-20"
            value={passScore}
            onChange={(e) => setPassScore(e.target.value)}
            aria-label="Pass score (0 to 1)"
            title="Pass score (0 to 1)"
          />
        ) : null}
      </div>
      <Button type="submit">Add case</Button>
    </form>
  );
}

/** JSONL or CSV, pasted or from a file; bad lines are listed with their numbers and nothing is saved. */
export function ImportForm({ orgId, workflowId }: Ids) {
  const toast = useToast();
  const [text, setText] = useState("");
  const [format, setFormat] = useState<"jsonl" | "csv">("jsonl");
  const [errors, setErrors] = useState<{ line: number; error: string }[]>([]);
  return (
    <form
      className="mt-3 space-y-2"
      onSubmit={async (e) => {
        e.preventDefault();
        const res = await importEvalCasesAction({ orgId, workflowId, text, format });
        if (!res.ok) return toast.error(res.error.message);
        setErrors(res.data.errors);
        if (res.data.imported) {
          toast.ok(`${res.data.imported} cases imported`);
          window.location.reload();
        }
      }}
    >
      <textarea
        className={box}
        rows={4}
        value={text}
        onChange={(e) => setText(e.target.value)}
        aria-label="Cases to import"
        placeholder={'{"inputs": {"story": "a dog"}, "expectations": [{"type": "contains", "value": "dog"}]}'}
      />
      <div className="flex items-center gap-2">
        <input
          type="file"
          accept=".jsonl,.csv,.txt"
          aria-label="Import file"
          onChange={async (e) => {
            const file = e.target.files?.[0];
            if (!file) return;
            setFormat(file.name.endsWith(".csv") ? "csv" : "jsonl");
            setText(await file.text());
          }}
        />
        <select
          className={selectLook}
          value={format}
          onChange={(e) => setFormat(e.target.value as "jsonl" | "csv")}
          aria-label="Import format"
        >
          <option value="jsonl">JSONL</option>
          <option value="csv">CSV</option>
        </select>
        <Button type="submit" variant="secondary">
          Import
        </Button>
      </div>
      {errors.length ? (
        <ul role="alert" className="text-xs text-red-700 dark:text-red-400" data-testid="import-errors">
          {errors.map((x) => (
            <li key={x.line}>
              line {x.line}: {x.error}
            </li>
          ))}
        </ul>
      ) : null}
    </form>
  );
}

export function RemoveCaseButton({ orgId, workflowId, caseId }: Ids & { caseId: string }) {
  return (
    <ActionButton
      variant="secondary"
      action={() => removeEvalCaseAction({ orgId, workflowId, caseId })}
      confirm="Remove this test case?"
      ok="Test case removed"
    >
      Remove
    </ActionButton>
  );
}

/** While an eval is queued or running (on the job queue), the page refreshes itself to show it finish. */
export function RefreshWhileRunning({ active }: { active: boolean }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => router.refresh(), 2_000);
    return () => clearInterval(t);
  }, [active, router]);
  return null;
}

/** Queues an eval of the draft or a version (charged like playground runs); the job queue runs it. */
export function RunEvalForm({ orgId, workflowId, versions }: Ids & { versions: number[] }) {
  const run = useAction();
  const [target, setTarget] = useState<string>("draft");
  const [busy, setBusy] = useState(false);
  return (
    <form
      className="flex items-center gap-2"
      onSubmit={async (e) => {
        e.preventDefault();
        setBusy(true);
        await run(() => runEvalAction({ orgId, workflowId, target: target === "draft" ? "draft" : Number(target) }), {
          ok: "Eval queued: it shows below when it finishes",
        });
        setBusy(false);
      }}
    >
      <select className={selectLook} value={target} onChange={(e) => setTarget(e.target.value)} aria-label="Eval target">
        <option value="draft">the draft</option>
        {versions.map((v) => (
          <option key={v} value={v}>
            v{v}
          </option>
        ))}
      </select>
      <Button type="submit" disabled={busy}>
        {busy ? "Running…" : "Run eval"}
      </Button>
    </form>
  );
}

export function GateSwitch({ orgId, workflowId, required }: Ids & { required: boolean }) {
  const run = useAction();
  return (
    <label className="flex items-center gap-2 text-sm">
      <input
        type="checkbox"
        checked={required}
        aria-label="Require a passing eval to publish"
        onChange={(e) =>
          run(() => requirePassingEvalAction({ orgId, workflowId, required: e.target.checked }), {
            ok: e.target.checked ? "Publishing now requires a passing eval" : "Publishing no longer requires an eval",
          })
        }
      />
      Publishing requires a passing eval of the draft
    </label>
  );
}
