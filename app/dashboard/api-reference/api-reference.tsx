import Link from "next/link";
import { CodeBlock } from "@/components/code-block";
import { Card } from "@/components/ui";
import type { OpenApiDocument, OpenApiOperation } from "@/lib/api/openapi/build-document";
import { compactSchema } from "@/lib/api/openapi/compact-schema";
import type { JsonSchema } from "@/lib/api/openapi/json-schema";
import { snippetsFor } from "@/lib/api/openapi/snippets";

const METHOD_LOOK: Record<string, string> = {
  get: "bg-emerald-100 text-emerald-800 dark:bg-emerald-900/40 dark:text-emerald-300",
  post: "bg-indigo-100 text-indigo-800 dark:bg-indigo-900/40 dark:text-indigo-300",
};

/** The API reference: every operation of the document, grouped by tag, with copy-ready calls against `base`. */
export function ApiReference({ doc, base }: { doc: OpenApiDocument; base: string }) {
  const ops = Object.entries(doc.paths).flatMap(([path, byMethod]) =>
    Object.entries(byMethod).map(([method, op]) => ({ path, method, op })),
  );
  const tags = [...new Set(ops.map((o) => o.op.tags[0]!))];
  return (
    <>
      <h1 className="text-2xl font-semibold">API reference</h1>
      <Card>
        <p className="text-sm">
          The machine-readable document is at{" "}
          <a className="font-mono text-indigo-600 dark:text-indigo-400 underline" href="/api/v1/openapi.json">
            {base}/api/v1/openapi.json
          </a>{" "}
          (OpenAPI 3.1, public): import it into Postman, Insomnia or an SDK generator. Authenticate with an API key (
          <code>Authorization: Bearer sk_…</code>, from{" "}
          <Link className="underline" href="/dashboard/keys">
            API keys
          </Link>
          ); browsers stream with a single-use <code>?token=</code> minted by your backend. Errors are{" "}
          <code>{"{error, success: false, code, request_id}"}</code>.
        </p>
      </Card>
      {tags.map((tag) => (
        <section key={tag} className="space-y-4">
          <h2 className="text-lg font-semibold">{tag}</h2>
          {ops
            .filter((o) => o.op.tags[0] === tag)
            .map(({ path, method, op }) => (
              <Operation key={`${method} ${path}`} path={path} method={method} op={op} base={base} components={doc.components.schemas} />
            ))}
        </section>
      ))}
    </>
  );
}

function Operation({
  path,
  method,
  op,
  base,
  components,
}: {
  path: string;
  method: string;
  op: OpenApiOperation;
  base: string;
  components: Record<string, JsonSchema>;
}) {
  const snippets = snippetsFor(method, path, op, base);
  const body = op.requestBody?.content["application/json"];
  const scopes = [...new Set(op.security?.flatMap((s) => s.bearerAuth ?? []))];
  const auth =
    op.security?.length === 0
      ? "public"
      : `${op.security?.some((s) => "streamToken" in s) ? "stream token or API key" : "API key"}${scopes.length ? ` (${scopes.join(" or ")} scope)` : ""}`;
  return (
    <Card>
      <div id={op.operationId} className="space-y-3" data-testid="operation">
        <p className="flex flex-wrap items-center gap-2">
          <span className={`rounded px-2 py-0.5 font-mono text-xs font-semibold uppercase ${METHOD_LOOK[method] ?? ""}`}>{method}</span>
          <span className="font-mono text-sm">{path}</span>
          <span className="text-xs text-neutral-500">· {auth}</span>
        </p>
        <p className="font-medium">{op.summary}</p>
        {op.description ? <p className="text-sm text-neutral-600 dark:text-neutral-400">{op.description}</p> : null}
        {op.parameters?.length ? (
          <table className="w-full text-sm">
            <thead className="text-left text-xs text-neutral-500">
              <tr>
                <th className="py-1">Parameter</th>
                <th>In</th>
                <th>Type</th>
                <th>Description</th>
              </tr>
            </thead>
            <tbody>
              {op.parameters.map((p) => (
                <tr key={`${p.in} ${p.name}`} className="border-t border-neutral-200 align-top dark:border-neutral-800">
                  <td className="py-1 font-mono text-xs">
                    {p.name}
                    {p.required ? "" : "?"}
                  </td>
                  <td className="text-xs">{p.in}</td>
                  <td className="font-mono text-xs">
                    {compactSchema(p.schema, components)}
                    {p.schema.default !== undefined ? ` = ${JSON.stringify(p.schema.default)}` : ""}
                  </td>
                  <td className="text-xs">{p.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {body ? (
          <details>
            <summary className="cursor-pointer text-sm font-medium">
              Request body <span className="text-xs font-normal text-neutral-500">application/json — {op.requestBody!.description}</span>
            </summary>
            <pre className="mt-2 overflow-x-auto rounded-md bg-neutral-100 p-3 text-xs dark:bg-neutral-900">
              {compactSchema(body.schema, components)}
            </pre>
          </details>
        ) : null}
        <details>
          <summary className="cursor-pointer text-sm font-medium">
            Responses <span className="text-xs font-normal text-neutral-500">{Object.keys(op.responses).join(" · ")}</span>
          </summary>
          <ul className="mt-2 space-y-2 text-sm">
            {Object.entries(op.responses).map(([status, r]) => (
              <li key={status}>
                <span className="font-mono font-semibold">{status}</span> {r.description}
                {Object.entries(r.content ?? {}).map(([media, c]) => (
                  <div key={media} className="ml-4">
                    <span className="font-mono text-xs text-neutral-500">{media}</span>
                    {media === "application/json" ? (
                      <pre className="overflow-x-auto rounded-md bg-neutral-100 p-2 text-xs dark:bg-neutral-900">
                        {compactSchema((c as { schema: JsonSchema }).schema, components)}
                      </pre>
                    ) : null}
                  </div>
                ))}
              </li>
            ))}
          </ul>
        </details>
        <div className="grid gap-2">
          <details open>
            <summary className="cursor-pointer text-sm font-medium">curl</summary>
            <CodeBlock label="curl" code={snippets.curl} />
          </details>
          <details>
            <summary className="cursor-pointer text-sm font-medium">JavaScript (fetch)</summary>
            <CodeBlock label="JavaScript" code={snippets.javascript} />
          </details>
          <details>
            <summary className="cursor-pointer text-sm font-medium">Python (requests)</summary>
            <CodeBlock label="Python" code={snippets.python} />
          </details>
        </div>
      </div>
    </Card>
  );
}
