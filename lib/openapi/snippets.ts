import type { OpenApiOperation } from "./build-document";

export type Snippets = { curl: string; javascript: string; python: string };

/**
 * Copy-ready calls of one operation, from the document: its path parameters' and first body
 * example, the credential its security asks for (a stream token for the stream endpoints, which
 * browsers call; the API key elsewhere) and placeholders for secrets.
 */
export function snippetsFor(method: string, path: string, op: OpenApiOperation, baseUrl: string): Snippets {
  let url = baseUrl.replace(/\/$/, "") + path;
  for (const p of op.parameters ?? []) if (p.in === "path") url = url.replace(`{${p.name}}`, String(p.example ?? `<${p.name}>`));
  const usesToken = op.security?.some((s) => "streamToken" in s) ?? false;
  const isPublic = Array.isArray(op.security) && op.security.length === 0;
  if (usesToken) url += "?token=pub_tok_…";
  const media = op.requestBody?.content["application/json"];
  const body = media ? Object.values(media.examples)[0]?.value : undefined;
  const json = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = {};
  if (!isPublic && !usesToken) headers.Authorization = "Bearer sk_…";
  if (json) headers["Content-Type"] = "application/json";
  const M = method.toUpperCase();

  const curl = [
    `curl${usesToken ? " --no-buffer" : ""} --request ${M}`,
    `     --url '${url}'`,
    ...Object.entries(headers).map(([k, v]) => `     --header '${k}: ${v}'`),
    ...(json ? [`     --data '${json.replaceAll("'", "'\\''")}'`] : []),
  ].join(" \\\n");

  const fetchInit = [`  method: "${M}"`];
  if (Object.keys(headers).length) fetchInit.push(`  headers: ${JSON.stringify(headers)}`);
  if (json) fetchInit.push(`  body: JSON.stringify(${json})`);
  const read = usesToken ? "const text = await response.text(); // or read response.body as it streams" : "const data = await response.json();";
  const javascript = `const response = await fetch("${url}", {\n${fetchInit.join(",\n")},\n});\n${read}`;

  const py = [`import requests`, ``, `response = requests.${method.toLowerCase()}(`, `    "${url}",`];
  if (Object.keys(headers).length) py.push(`    headers=${pyLiteral(headers)},`);
  if (body !== undefined) py.push(`    json=${pyLiteral(body)},`);
  if (usesToken) py.push(`    stream=True,`);
  py.push(`)`, usesToken ? `for chunk in response.iter_content(chunk_size=None, decode_unicode=True):\n    print(chunk, end="", flush=True)` : `print(response.json())`);
  return { curl, javascript, python: py.join("\n") };
}

/** JSON as a Python literal (True/False/None). */
function pyLiteral(v: unknown): string {
  return JSON.stringify(v, null, 0)
    .replace(/("(?:[^"\\]|\\.)*")|\btrue\b|\bfalse\b|\bnull\b/g, (m, str: string | undefined) => str ?? ({ true: "True", false: "False", null: "None" } as Record<string, string>)[m]!);
}
