// Copy-ready calls for a published workflow, shaped like the seed docs: the real id, the real
// variables (their authored examples where there are any), the key as a placeholder.

export type Snippet = { id: string; label: string; code: string };

export function workflowSnippets({ baseUrl, workflowId, variables }: { baseUrl: string; workflowId: string; variables: Array<{ name: string; example?: string | null }> }): Snippet[] {
  const body = Object.fromEntries(variables.map((v) => [v.name, v.example || `your ${v.name}`]));
  const json = JSON.stringify(body);
  const pretty = JSON.stringify(body, null, 2);
  const runUrl = `${baseUrl}/api/v1/run/${workflowId}`;
  const first = variables[0]?.name;
  const rest = Object.fromEntries(variables.slice(1).map((v) => [v.name, body[v.name]]));
  return [
    {
      id: "curl", label: "curl",
      code: `curl --request POST \\
     --url ${runUrl} \\
     --header 'Authorization: Bearer YOUR_API_KEY' \\
     --header 'Content-Type: application/json' \\
     --data '${json.replaceAll("'", "'\\''")}'`,
    },
    {
      id: "fetch", label: "JavaScript (fetch)",
      code: `const res = await fetch("${runUrl}", {
  method: "POST",
  headers: { Authorization: \`Bearer \${process.env.FLOWGATE_API_KEY}\`, "Content-Type": "application/json" },
  body: JSON.stringify(${pretty.replaceAll("\n", "\n  ")}),
});
const { success, result, citations, error } = await res.json();`,
    },
    {
      id: "usechat", label: "React (useChat)",
      code: `// Server: mint a single-use stream token (never ship the API key to the browser)
// GET ${baseUrl}/api/v1/token?ttl=60  with  Authorization: Bearer YOUR_API_KEY  →  { token }

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
    {
      id: "python", label: "Python",
      code: `import os, requests

r = requests.post(
    "${runUrl}",
    headers={"Authorization": f"Bearer {os.environ['FLOWGATE_API_KEY']}"},
    json=${JSON.stringify(body)},
    timeout=300,
)
data = r.json()
print(data["result"] if data["success"] else data["error"])`,
    },
  ];
}
