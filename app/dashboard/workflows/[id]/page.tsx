import Link from "next/link";
import { headers } from "next/headers";
import { notFound } from "next/navigation";
import { SnippetTabs } from "@/components/snippet-tabs";
import { LineDiff } from "@/components/line-diff";
import { Card } from "@/components/ui";
import { VersionActions } from "./version-actions";
import { WorkflowEditor } from "./workflow-editor";
import { requireOrgPage } from "@/lib/auth/current-user";
import { workflowPageData } from "@/lib/dashboard/page-data";
import { isAppError } from "@/lib/errors";
import { publicBaseUrl } from "@/lib/public-base-url";
import { draftDiffers, settingChanges } from "@/lib/workflows/draft-changes";
import { workflowSnippets } from "@/lib/workflows/snippets";
import { variablesOf } from "@/lib/workflows/template";
import { maskToolHeaders } from "@/lib/workflows/tools";
import { LabelsSection } from "./labels-section";
import { judgeOptions } from "@/lib/evals/compare";

export const dynamic = "force-dynamic";

export default async function WorkflowPage({ params }: { params: Promise<{ id: string }> }) {
  const me = await requireOrgPage();
  const { id } = await params;
  const data = await workflowPageData(me.orgId, id).catch((e) => (isAppError(e) ? null : Promise.reject(e)));
  if (!data) notFound();
  const { workflow: w, versions, published } = data;
  const canEdit = me.role !== "member";
  const baseUrl = publicBaseUrl(await headers());
  const publishedVars = published ? variablesOf(published) : [];
  const judges = await judgeOptions(me.orgId, w.id);
  return (
    <>
      <div>
        <h1 className="text-2xl font-semibold">{w.name}</h1>
        <p className="font-mono text-xs text-neutral-500">
          {w.id} · {published ? `published v${published.version}` : "draft (not callable yet)"}
        </p>
        <Link href={`/dashboard/workflows/${w.id}/evals`} className="text-sm underline">
          Datasets and evals →
        </Link>
      </div>
      <WorkflowEditor
        orgId={me.orgId}
        workflowId={w.id}
        canEdit={canEdit}
        models={data.models}
        unpriced={data.unpriced}
        versions={versions.map((v) => ({ version: v.version, model: v.model }))}
        judges={judges}
        endUserRateLimit={w.endUserRateLimitPerMinute}
        initial={{
          name: w.name,
          description: w.description,
          system: w.system,
          template: w.template,
          model: w.model,
          temperature: w.temperature,
          maxOutputTokens: w.maxOutputTokens,
          webSearch: w.webSearch,
          variables: w.variables,
          fallbackModels: w.fallbackModels,
          maxAttempts: w.maxAttempts,
          outputSchema: w.outputSchema,
          tools: maskToolHeaders(w.tools),
          maxSteps: w.maxSteps,
        }}
      />
      {published ? (
        <Card title={`Call it (v${published.version})`}>
          <SnippetTabs snippets={workflowSnippets({ baseUrl, workflowId: w.id, variables: publishedVars })} />
        </Card>
      ) : null}
      <LabelsSection orgId={me.orgId} workflowId={w.id} canEdit={me.role !== "member"} />
      <Card title="Versions">
        {versions.length === 0 ? (
          <p className="text-sm text-neutral-500">Not published yet: publish to make it callable over the API.</p>
        ) : (
          <ul className="divide-y divide-neutral-200 text-sm dark:divide-neutral-800">
            {versions.map((v) => {
              const live = v.id === w.publishedVersionId;
              const changes = settingChanges(w, v);
              const same = !draftDiffers(w, v);
              return (
                <li key={v.id} className="py-3" data-testid={`version-${v.version}`}>
                  <div className="flex flex-wrap items-center justify-between gap-2">
                    <span>
                      <strong>v{v.version}</strong> · {v.createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC · {v.model}
                      {v.note ? (
                        <>
                          {" "}
                          · <em>{v.note}</em>
                        </>
                      ) : null}
                      {live ? (
                        <span className="ml-2 rounded bg-green-100 px-1.5 text-xs text-green-800 dark:bg-green-900 dark:text-green-100">
                          live
                        </span>
                      ) : null}
                    </span>
                    {canEdit ? <VersionActions orgId={me.orgId} workflowId={w.id} version={v.version} live={live} /> : null}
                  </div>
                  <details className="mt-2">
                    <summary className="cursor-pointer text-xs text-neutral-500">
                      {same ? "Same as the draft" : "Diff against the draft"}
                    </summary>
                    {changes.length ? <p className="mt-1 text-xs">{changes.join(" · ")}</p> : null}
                    <LineDiff label="System instructions" before={v.system} after={w.system} />
                    <LineDiff label="Template" before={v.template} after={w.template} />
                  </details>
                </li>
              );
            })}
          </ul>
        )}
      </Card>
    </>
  );
}
