"use client";
// AI SDK 4's useChat ("ai/react", the ai@4 alias) with a client tool and maxSteps: onToolCall's
// answer is recorded on the message and, with maxSteps > 1, the conversation is sent again.
import { useChat } from "ai/react";
import { createRoot } from "react-dom/client";
import { freshTokenPerPost } from "./host";

// (Typed here, not on Window: the other pages declare Window.FLOWGATE with their own fields.)
const cfg = (window as unknown as { FLOWGATE: { apiBase: string; toolsId: string } }).FLOWGATE;

function ChatPage() {
  const { messages, input, handleInputChange, handleSubmit, status } = useChat({
    api: `${cfg.apiBase}/api/v1/run/${cfg.toolsId}/stream?token=minted-per-request`,
    maxSteps: 3,
    onToolCall: ({ toolCall }) => (toolCall.toolName === "get_weather" ? "cloudy, 15C" : undefined),
  });
  return (
    <>
      {messages.map((m) => (
        <div key={m.id} className="msg">
          {m.role === "user" ? "User: " : "AI: "}
          {(m.toolInvocations ?? []).map((t) => `[${t.toolName} ${t.state}] `).join("")}
          {m.content}
        </div>
      ))}
      <p id="status">{status}</p>
      <form onSubmit={handleSubmit}>
        <input name="prompt" value={input} onChange={handleInputChange} />
        <button type="submit">Submit</button>
      </form>
    </>
  );
}

// Every POST to the stream URL gets a fresh single-use token from the host page's backend.
freshTokenPerPost(cfg.apiBase);

createRoot(document.getElementById("root")!).render(<ChatPage />);
