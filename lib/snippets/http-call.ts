// Copy-ready calls of one HTTP request in curl, JavaScript (fetch) and Python (requests): the one
// generator behind the workflow page's snippets and the API reference's.

export type CallSnippets = { curl: string; javascript: string; python: string };

export function httpCallSnippets({
  method,
  url,
  headers,
  body,
  stream = false,
}: {
  method: string;
  url: string;
  headers: Record<string, string>;
  /** The JSON body, if any. */
  body?: unknown;
  /** A streaming response: read as it arrives. */
  stream?: boolean;
}): CallSnippets {
  const json = body === undefined ? undefined : JSON.stringify(body);
  const all = json ? { ...headers, "Content-Type": "application/json" } : headers;
  const M = method.toUpperCase();

  const curl = [
    `curl${stream ? " --no-buffer" : ""} --request ${M}`,
    `     --url '${url}'`,
    ...Object.entries(all).map(([k, v]) => `     --header '${k}: ${v}'`),
    ...(json ? [`     --data '${json.replaceAll("'", "'\\''")}'`] : []),
  ].join(" \\\n");

  const fetchInit = [`  method: "${M}"`];
  if (Object.keys(all).length) fetchInit.push(`  headers: ${JSON.stringify(all)}`);
  if (json) fetchInit.push(`  body: JSON.stringify(${json})`);
  const read = stream
    ? "const text = await response.text(); // or read response.body as it streams"
    : "const data = await response.json();";
  const javascript = `const response = await fetch("${url}", {\n${fetchInit.join(",\n")},\n});\n${read}`;

  const py = [`import requests`, ``, `response = requests.${method.toLowerCase()}(`, `    "${url}",`];
  if (Object.keys(all).length) py.push(`    headers=${pyLiteral(all)},`);
  if (body !== undefined) py.push(`    json=${pyLiteral(body)},`);
  if (stream) py.push(`    stream=True,`);
  py.push(
    `)`,
    stream
      ? `for chunk in response.iter_content(chunk_size=None, decode_unicode=True):\n    print(chunk, end="", flush=True)`
      : `print(response.json())`,
  );
  return { curl, javascript, python: py.join("\n") };
}

/** JSON as a Python literal (True/False/None). */
function pyLiteral(v: unknown): string {
  return JSON.stringify(v, null, 0).replace(
    /("(?:[^"\\]|\\.)*")|\btrue\b|\bfalse\b|\bnull\b/g,
    (m, str: string | undefined) => str ?? ({ true: "True", false: "False", null: "None" } as Record<string, string>)[m]!,
  );
}
