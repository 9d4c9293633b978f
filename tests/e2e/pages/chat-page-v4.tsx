"use client";
// The stream doc's own useChat example (stream-endpoint.md), as a customer copies it: AI SDK 4's
// `useChat` from "ai/react" (bundled from the ai@4 alias), verbatim but for the URL. Its token is
// baked into the URL and single use, so the host page — not the component — swaps in a fresh one,
// minted by its own backend, for every message it sends.
import { useChat } from "ai/react";
import { createRoot } from "react-dom/client";
import { freshTokenPerPost } from "./host";

declare global {
  interface Window {
    FLOWGATE: { apiBase: string; chatId: string; noVarsId: string };
  }
}
const cfg = window.FLOWGATE;

export default function ChatPage({ token }: { token: string }) {
  const { messages, input, handleInputChange, handleSubmit } = useChat({
    api: `${cfg.apiBase}/api/v1/run/${cfg.chatId}/stream?token=${token}`,
    keepLastMessageOnError: true,
  });

  return (
    <>
      {messages.map((message) => (
        <div key={message.id}>
          {message.role === "user" ? "User: " : "AI: "}
          {message.content}
        </div>
      ))}

      <form onSubmit={handleSubmit}>
        <input name="prompt" value={input} onChange={handleInputChange} />
        <button type="submit">Submit</button>
      </form>
    </>
  );
}

// The host: every POST to the stream URL gets a fresh single-use token from /token.
freshTokenPerPost(cfg.apiBase);

createRoot(document.getElementById("root")!).render(<ChatPage token="minted-per-request" />);
