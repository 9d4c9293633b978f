import { httpCallSnippets } from "@/lib/snippets/http-call";
import { exampleValue, type TypedVariable } from "./variable-types";

// Copy-ready calls for a published workflow, shaped like the seed docs: the real id, the real
// variables (their authored examples where there are any), the key as a placeholder.

export type Snippet = { id: string; label: string; code: string };

export function workflowSnippets({
  baseUrl,
  workflowId,
  variables,
}: {
  baseUrl: string;
  workflowId: string;
  variables: Array<TypedVariable & { example?: string | null }>;
}): Snippet[] {
  const body = Object.fromEntries(variables.map((v) => [v.name, exampleValue(v)]));
  const runUrl = `${baseUrl}/api/v1/run/${workflowId}`;
  const first = variables[0]?.name;
  const rest = Object.fromEntries(variables.slice(1).map((v) => [v.name, body[v.name]]));
  // The same generator as the API reference's, with this workflow's id and variables.
  const call = httpCallSnippets({ method: "POST", url: runUrl, headers: { Authorization: "Bearer sk_…" }, body });
  return [
    { id: "curl", label: "curl", code: call.curl },
    { id: "fetch", label: "JavaScript (fetch)", code: call.javascript },
    {
      id: "usechat",
      label: "React (useChat)",
      code: `// Server: mint a single-use stream token (never ship the API key to the browser)
// GET ${baseUrl}/api/v1/token?ttl=60  with  Authorization: Bearer sk_…  →  { token }

"use client";
import { useChat } from "@ai-sdk/react";
import { DefaultChatTransport } from "ai";

const transport = new DefaultChatTransport({
  prepareSendMessagesRequest: async ({ messages, body }) => {
    const { token } = await fetch("/api/flowgate-token").then((r) => r.json()); // your route, calling /api/v1/token
    return { api: \`${runUrl}/stream?token=\${token}\`, body: { ...body, messages${Object.keys(rest).length ? `, ...${JSON.stringify(rest)}` : ""} } };
  },
});

export function Chat() {
  const { messages, sendMessage, status } = useChat({ transport });
  // Each message you send fills {{${first ?? "input"}}}; earlier turns are sent as the conversation.
  return null;
}`,
    },
    { id: "python", label: "Python", code: call.python },
  ];
}
