// What the customer pages share: their own backend mints single-use stream tokens (POST /token,
// the API key stays server-side), and the chat pages' status line and prompt form.
// (Types only from "ai": the AI SDK 4 pages import this file too and must not bundle AI SDK 7.)
import type { HttpChatTransportInitOptions, UIMessage } from "ai";
import { useState } from "react";

export async function freshToken(): Promise<string> {
  const res = await fetch("/token", { method: "POST" });
  return (await res.json()).token;
}

/** Options of useChat's DefaultChatTransport (AI SDK 7): each request goes to the workflow's stream URL with a fresh token. */
export function streamRequest(apiBase: string, workflowId: string): HttpChatTransportInitOptions<UIMessage> {
  return {
    api: `${apiBase}/api/v1/run/${workflowId}/stream`,
    prepareSendMessagesRequest: async ({ api, body, id, messages, trigger, messageId }) => ({
      api: `${api}?token=${await freshToken()}`,
      body: { ...body, id, messages, trigger, messageId },
    }),
  };
}

/**
 * For pages whose hook has the token baked into its URL (AI SDK 4's useChat): every POST to a
 * stream URL of `apiBase` is sent with a fresh token in place of the one in the URL.
 */
export function freshTokenPerPost(apiBase: string) {
  const pageFetch = window.fetch.bind(window);
  window.fetch = async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (init?.method === "POST" && url.startsWith(`${apiBase}/api/v1/run/`)) {
      const { token } = await (await pageFetch("/token", { method: "POST" })).json();
      return pageFetch(url.replace(/token=[^&]*/, `token=${token}`), init);
    }
    return pageFetch(input, init);
  };
}

/** The chat's status, its error, and the prompt form (#prompt, #send) the tests type into. */
export function Composer({
  status,
  error,
  send,
  label,
}: {
  status: string;
  error: Error | undefined;
  send: (text: string) => void;
  label: string;
}) {
  const [input, setInput] = useState("");
  return (
    <>
      <p id="status">{status}</p>
      {error ? <p id="error">{error.message}</p> : null}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          send(input);
          setInput("");
        }}
      >
        <input id="prompt" value={input} onChange={(e) => setInput(e.target.value)} />
        <button id="send" type="submit">
          {label}
        </button>
      </form>
    </>
  );
}
