// A customer's frontend on another origin: the AI SDK's useObject hook (experimental_useObject)
// pointed straight at the stream URL of a workflow with an output schema. The URL is fixed when the
// hook is created, so the hook's `fetch` adds a fresh single-use token to each request.
import { experimental_useObject as useObject } from "@ai-sdk/react";
import { useEffect } from "react";
import { createRoot } from "react-dom/client";
import { z } from "zod";
import { freshToken } from "./host";

declare global {
  interface Window {
    /** Every distinct object the page rendered, in order (the test reads the sequence). */
    RENDERS: string[];
  }
}
// Window.FLOWGATE is declared by the other pages with their own fields; this page has its own.
const cfg = (window as unknown as { FLOWGATE: { apiBase: string; reviewId: string } }).FLOWGATE;
window.RENDERS = [];

const review = z.object({ title: z.string(), tags: z.array(z.string()), stars: z.int().min(1).max(5) });

function Review() {
  const { object, submit, isLoading, error } = useObject({
    api: `${cfg.apiBase}/api/v1/run/${cfg.reviewId}/stream?protocol=text`,
    schema: review,
    fetch: async (url, init) => fetch(`${String(url)}&token=${await freshToken()}`, init),
    onFinish: ({ object: final, error: invalid }) => {
      document.getElementById("finished")!.textContent = final ? JSON.stringify(final) : `invalid: ${invalid?.message}`;
    },
  });
  const json = object === undefined ? "" : JSON.stringify(object);
  useEffect(() => {
    if (json && window.RENDERS.at(-1) !== json) window.RENDERS.push(json);
  }, [json]);
  return (
    <article
      style={{
        fontFamily: "system-ui, sans-serif",
        maxWidth: 520,
        margin: "32px auto",
        padding: 24,
        border: "1px solid #ddd",
        borderRadius: 12,
      }}
    >
      <button id="review" type="button" disabled={isLoading} onClick={() => submit({ story: "a dog named Charlie" })}>
        Review “a dog named Charlie”
      </button>
      <p id="status" style={{ color: "#666" }}>
        {isLoading ? "streaming…" : "idle"}
      </p>
      <h2 id="title" style={{ minHeight: "1.5em" }}>
        {object?.title ?? ""}
      </h2>
      <ul id="tags">
        {(object?.tags ?? []).map((t, i) => (
          <li key={i}>{t}</li>
        ))}
      </ul>
      <p id="stars">{object?.stars === undefined ? "stars: …" : `stars: ${"★".repeat(object.stars)}`}</p>
      <pre id="object" style={{ background: "#f6f6f6", padding: 12, whiteSpace: "pre-wrap" }}>
        {json}
      </pre>
      <p id="finished" />
      {error ? <p id="error">{error.message}</p> : null}
    </article>
  );
}

createRoot(document.getElementById("root")!).render(<Review />);
