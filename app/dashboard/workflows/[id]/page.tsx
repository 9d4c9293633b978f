import { notFound } from "next/navigation";
import { Card } from "@/components/ui";
import { WorkflowEditor } from "@/components/workflow-editor";
import { requireOrgPage } from "@/lib/auth/session";
import { workflowPageData } from "@/lib/dashboard/page-data";
import { isAppError } from "@/lib/errors";
import { extractVariables } from "@/lib/workflows/template";

export const dynamic = "force-dynamic";

export default async function WorkflowPage({ params }: { params: Promise<{ id: string }> }) {
  const me = await requireOrgPage();
  const { id } = await params;
  const data = await workflowPageData(me.orgId, id).catch((e) => (isAppError(e) ? null : Promise.reject(e)));
  if (!data) notFound();
  const { workflow: w, versions, published } = data;
  const vars = published ? extractVariables(published.template, published.system) : [];
  const body = JSON.stringify(Object.fromEntries(vars.map((v) => [v, `your ${v}`])));
  return (
    <>
      <div>
        <h1 className="text-2xl font-semibold">{w.name}</h1>
        <p className="font-mono text-xs text-neutral-500">{w.id} · {published ? `published v${published.version}` : "draft (not callable yet)"}</p>
      </div>
      <WorkflowEditor
        orgId={me.orgId} workflowId={w.id} canEdit={me.role !== "member"} models={data.models}
        initial={{ name: w.name, description: w.description, system: w.system, template: w.template, model: w.model, temperature: w.temperature, maxOutputTokens: w.maxOutputTokens, webSearch: w.webSearch }}
      />
      {published ? (
        <Card title="Call it">
          <pre data-testid="curl" className="overflow-x-auto rounded bg-neutral-100 p-3 text-xs dark:bg-neutral-900">{`curl --request POST \\
     --url ${"$"}FLOWGATE_URL/api/v1/run/${w.id} \\
     --header 'Authorization: Bearer YOUR_API_KEY' \\
     --header 'Content-Type: application/json' \\
     --data '${body}'`}</pre>
          <pre className="mt-3 overflow-x-auto rounded bg-neutral-100 p-3 text-xs dark:bg-neutral-900">{`const res = await fetch(\`\${FLOWGATE_URL}/api/v1/run/${w.id}\`, {
  method: "POST",
  headers: { Authorization: "Bearer YOUR_API_KEY", "Content-Type": "application/json" },
  body: JSON.stringify(${body}),
});
console.log((await res.json()).result);`}</pre>
          <pre className="mt-3 overflow-x-auto rounded bg-neutral-100 p-3 text-xs dark:bg-neutral-900">{`import requests
r = requests.post(f"{FLOWGATE_URL}/api/v1/run/${w.id}", headers={"Authorization": "Bearer YOUR_API_KEY"}, json=${body})
print(r.json()["result"])`}</pre>
        </Card>
      ) : null}
      <Card title="Versions">
        {versions.length === 0 ? <p className="text-sm text-neutral-500">Not published yet: publish to make it callable over the API.</p> : (
          <ul className="space-y-1 text-sm">
            {versions.map((v) => <li key={v.id}>v{v.version} · {v.createdAt.toISOString().slice(0, 16).replace("T", " ")} · {v.model}{v.note ? ` · ${v.note}` : ""}{v.id === w.publishedVersionId ? " · live" : ""}</li>)}
          </ul>
        )}
      </Card>
    </>
  );
}
