import { httpCallSnippets, type CallSnippets } from "@/lib/snippets/http-call";
import type { OpenApiOperation } from "./build-document";

export type Snippets = CallSnippets;

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
  const headers: Record<string, string> = isPublic || usesToken ? {} : { Authorization: "Bearer sk_…" };
  return httpCallSnippets({ method, url, headers, body, stream: usesToken });
}
