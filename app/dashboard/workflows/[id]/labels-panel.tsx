"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import { moveLabelAction, rollbackAction } from "./actions";
import { LABEL_NAME, LATEST, PRODUCTION } from "@/lib/workflows/label-name";
import { Button, Card, Input } from "@/components/ui";

type Label = { name: string; version: number; split?: string | null; updatedAt: string };
type Move = {
  id: number;
  label: string;
  from: number | null;
  to: number | null;
  fromSplit?: string | null;
  toSplit?: string | null;
  actor: string;
  at: string;
};

const selectLook = "rounded-md border border-neutral-300 bg-white px-2 py-1 text-sm dark:border-neutral-700 dark:bg-neutral-900";
const when = (iso: string) => iso.slice(0, 16).replace("T", " ");
const v = (n: number | null) => (n === null ? "—" : `v${n}`);

/** Labels of one workflow (which version each points at), moving them, rollback, and their history. */
export function LabelsPanel({
  orgId,
  workflowId,
  labels,
  versions,
  history,
  canEdit,
}: {
  orgId: string;
  workflowId: string;
  labels: Label[];
  versions: number[];
  history: Move[];
  canEdit: boolean;
}) {
  const router = useRouter();
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [newName, setNewName] = useState("");
  const [newVersion, setNewVersion] = useState(versions[0] ?? 1);
  const production = labels.find((l) => l.name === PRODUCTION);

  async function move(label: string, version: number) {
    // production is what every unpinned API call runs: one stray select change must not move it.
    if (label === PRODUCTION && !confirm(`Move production to v${version}? API calls without a pin run it from the next request.`))
      return router.refresh();
    const res = await moveLabelAction({ orgId, workflowId, label, version });
    setMessage(
      res.ok
        ? { kind: "ok", text: res.data.moved ? `${label} → v${version}` : `${label} already at v${version}` }
        : { kind: "error", text: res.error.message },
    );
    router.refresh();
  }
  async function rollback(version: number) {
    if (!confirm(`Roll production back to v${version}? API calls without a pin run it from the next request.`)) return;
    const res = await rollbackAction({ orgId, workflowId, version });
    setMessage(res.ok ? { kind: "ok", text: `production rolled back to v${version}` } : { kind: "error", text: res.error.message });
    router.refresh();
  }

  return (
    <Card title="Labels">
      {labels.length === 0 ? (
        <p className="text-sm text-neutral-500">No labels yet: publishing sets production and latest.</p>
      ) : (
        <table className="w-full text-sm" data-testid="labels">
          <thead className="text-left text-neutral-500">
            <tr>
              <th className="py-2">Label</th>
              <th>Version</th>
              <th>Moved</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {labels.map((l) => (
              <tr key={l.name} className="border-t border-neutral-200 dark:border-neutral-800">
                <td className="py-2 font-mono">{l.name}</td>
                <td>
                  {canEdit && l.name !== LATEST ? (
                    <select
                      aria-label={`Version of ${l.name}`}
                      className={selectLook}
                      value={l.version}
                      onChange={(e) => move(l.name, Number(e.target.value))}
                    >
                      {versions.map((n) => (
                        <option key={n} value={n}>
                          v{n}
                        </option>
                      ))}
                    </select>
                  ) : (
                    `v${l.version}`
                  )}
                  {l.split ? (
                    <span className="ml-2 text-xs text-violet-700" data-testid={`split-${l.name}`}>
                      split {l.split}
                    </span>
                  ) : null}
                </td>
                <td className="text-neutral-500">{when(l.updatedAt)}</td>
                <td className="text-right">
                  {canEdit && l.name === PRODUCTION && l.version > Math.min(...versions) ? (
                    <Button variant="secondary" type="button" onClick={() => rollback(Math.max(...versions.filter((n) => n < l.version)))}>
                      Roll back to v{Math.max(...versions.filter((n) => n < l.version))}
                    </Button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canEdit && versions.length > 0 ? (
        <form
          className="mt-3 flex gap-2"
          onSubmit={async (e) => {
            e.preventDefault();
            if (!LABEL_NAME.test(newName))
              return setMessage({
                kind: "error",
                text: "Label names are lowercase letters, digits, _ and -, starting with a letter (at most 40)",
              });
            await move(newName, newVersion);
            setNewName("");
          }}
        >
          <Input
            value={newName}
            onChange={(e) => setNewName(e.target.value.trim())}
            placeholder="New label, e.g. staging"
            aria-label="New label name"
          />
          <select
            aria-label="Version of the new label"
            className={selectLook}
            value={newVersion}
            onChange={(e) => setNewVersion(Number(e.target.value))}
          >
            {versions.map((n) => (
              <option key={n} value={n}>
                v{n}
              </option>
            ))}
          </select>
          <Button type="submit">Set label</Button>
        </form>
      ) : null}
      {message ? (
        <p
          role={message.kind === "error" ? "alert" : "status"}
          className={`mt-2 text-sm ${message.kind === "error" ? "text-red-600 dark:text-red-400" : "text-green-700 dark:text-green-400"}`}
        >
          {message.text}
        </p>
      ) : null}
      {production ? null : labels.length > 0 ? (
        <p className="mt-2 text-sm text-amber-700 dark:text-amber-400">
          No production label: the API answers 404 unless a call pins a version or label.
        </p>
      ) : null}
      {history.length > 0 ? (
        <details className="mt-4">
          <summary className="cursor-pointer text-sm font-medium">History</summary>
          <ul className="mt-2 space-y-1 text-xs" data-testid="label-history">
            {history.map((h) => (
              <li key={h.id}>
                <span className="font-mono">{h.label}</span> {h.fromSplit ?? v(h.from)} → {h.toSplit ?? v(h.to)} · {h.actor} · {when(h.at)}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </Card>
  );
}
