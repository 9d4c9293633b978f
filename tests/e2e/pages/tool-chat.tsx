// A customer's chat with a client tool (issue 31): AI SDK 7's useChat on the stream URL, the tool run
// in the browser (onToolCall → addToolOutput) and the conversation sent back on its own
// (sendAutomaticallyWhen), each request with a fresh single-use token from this page's backend.
import { useChat } from "@ai-sdk/react";
import { DefaultChatTransport, lastAssistantMessageIsCompleteWithToolCalls, type UIMessage } from "ai";
import { createRoot } from "react-dom/client";
import { Composer, streamRequest } from "./host";

// (Typed here, not on Window: the other pages declare Window.FLOWGATE with their own fields.)
const cfg = (window as unknown as { FLOWGATE: { apiBase: string; toolsId: string } }).FLOWGATE;

type ToolPart = { type: string; toolCallId: string; state: string; input?: unknown; output?: unknown };

function Chat() {
  const { messages, sendMessage, status, error, addToolOutput } = useChat<UIMessage>({
    transport: new DefaultChatTransport(streamRequest(cfg.apiBase, cfg.toolsId)),
    sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithToolCalls,
    onToolCall: ({ toolCall }) => {
      if (toolCall.toolName !== "get_weather") return;
      const { city } = toolCall.input as { city: string };
      void addToolOutput({ tool: "get_weather", toolCallId: toolCall.toolCallId, output: { city, sky: "sunny", celsius: 21 } });
    },
  });
  return (
    <section style={{ fontFamily: "system-ui, sans-serif", maxWidth: 640, margin: "24px auto" }}>
      <h1 style={{ fontSize: 20 }}>Weather chat</h1>
      <ul id="messages" style={{ listStyle: "none", padding: 0 }}>
        {messages.map((m) => (
          <li key={m.id} data-role={m.role} style={{ margin: "8px 0", padding: 8, background: m.role === "user" ? "#eef" : "#f4f4f4" }}>
            <b>{m.role === "user" ? "You" : "Assistant"}: </b>
            {m.parts.map((p, i) => {
              if (p.type === "text")
                return (
                  <span key={i} className="text">
                    {p.text}
                  </span>
                );
              if (p.type.startsWith("tool-")) {
                const t = p as unknown as ToolPart;
                return (
                  <div
                    key={i}
                    className="tool"
                    data-state={t.state}
                    style={{ border: "1px solid #ccd", padding: 6, margin: "6px 0", fontFamily: "monospace" }}
                  >
                    tool {t.type.slice(5)}({JSON.stringify(t.input)}) · {t.state}
                    {t.state === "output-available" ? <div className="tool-output">→ {JSON.stringify(t.output)}</div> : null}
                  </div>
                );
              }
              return null;
            })}
          </li>
        ))}
      </ul>
      <Composer status={status} error={error} send={(text) => void sendMessage({ text })} label="Send" />
    </section>
  );
}

createRoot(document.getElementById("root")!).render(<Chat />);
