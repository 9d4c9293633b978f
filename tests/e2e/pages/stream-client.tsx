// A customer's frontend on another origin: useChat against the stream URL (a fresh single-use
// token per message, minted by this page's own backend), and the seed's StreamingText component.
import { useChat } from "@ai-sdk/react";
import { DefaultChatTransport } from "ai";
import { useCallback, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { Composer, freshToken, streamRequest } from "./host";

declare global {
  interface Window {
    FLOWGATE: { apiBase: string; chatId: string; noVarsId: string };
  }
}
const cfg = window.FLOWGATE;

function Chat() {
  const { messages, sendMessage, status, error } = useChat({ transport: new DefaultChatTransport(streamRequest(cfg.apiBase, cfg.chatId)) });
  return (
    <section>
      <ul id="messages">
        {messages.map((m) => (
          <li key={m.id} data-role={m.role}>
            {m.parts.map((p) => (p.type === "text" ? p.text : "")).join("")}
          </li>
        ))}
      </ul>
      <Composer status={status} error={error} send={(text) => void sendMessage({ text })} label="Submit" />
    </section>
  );
}

// The seeds' StreamingText component (docs/contract.md), verbatim but for the types.
function StreamingText({ url, fallbackText, className }: { url: string; fallbackText: string; className?: string }) {
  const [loading, setLoading] = useState(false);
  const [result, setResult] = useState("");

  const getData = useCallback(async () => {
    setLoading(true);
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
    });

    if (!response.ok) return null;

    const data = response.body;
    if (!data) {
      setResult(fallbackText);
      return;
    }

    const reader = data.getReader();
    const decoder = new TextDecoder();
    let done = false;

    setLoading(false);

    while (!done) {
      const { value, done: doneReading } = await reader.read();
      done = doneReading;
      const chunkValue = decoder.decode(value);
      setResult((prev) => (prev ?? "") + chunkValue);
    }
  }, [url, fallbackText]);

  useEffect(() => {
    if (url) {
      getData();
    }
  }, []);

  return loading ? <div className={className}>Loading...</div> : <p className={className}>{result}</p>;
}

function App() {
  const [url, setUrl] = useState("");
  useEffect(() => {
    freshToken().then((t) => setUrl(`${cfg.apiBase}/api/v1/run/${cfg.noVarsId}/stream?token=${t}`));
  }, []);
  return (
    <main>
      <Chat />
      {url ? <StreamingText url={url} fallbackText="(no stream)" className="streaming-text" /> : null}
    </main>
  );
}

createRoot(document.getElementById("root")!).render(<App />);
