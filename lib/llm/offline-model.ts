import type {
  LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4Prompt, LanguageModelV4StreamPart,
} from "@ai-sdk/provider";
import { exampleOf } from "@/lib/workflows/output-schema";

// The zero-configuration model: deterministic, local, honest about tokens. It streams the
// rendered prompt back word by word (with structured output: an example of the schema); one word
// (with its trailing whitespace) is one token.

export function tokenize(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? [];
}

/** A prompt part as the echo shows it: text as it is, an image as a note of its media type. */
function partText(p: Exclude<LanguageModelV4Prompt[number]["content"], string>[number]): string {
  if (p.type === "file" && p.mediaType.startsWith("image")) return `[received an image: ${p.mediaType}]`;
  return "text" in p && typeof p.text === "string" ? p.text : "";
}

function promptText(prompt: LanguageModelV4Prompt): { input: string; echo: string } {
  const all: string[] = [];
  let lastUser = "";
  for (const m of prompt) {
    const text = typeof m.content === "string"
      ? m.content
      : m.content.map(partText).join("");
    all.push(text);
    if (m.role === "user") lastUser = text;
  }
  return { input: all.join("\n"), echo: lastUser };
}

/** The answer: the last user message, or (structured output) an example that matches the schema, over several tokens. */
function replyFor(options: LanguageModelV4CallOptions, lastUser: string): string {
  const f = options.responseFormat;
  return f?.type === "json" && f.schema ? JSON.stringify(exampleOf(f.schema), null, 2) : lastUser;
}

function usage(inputTokens: number, outputTokens: number) {
  return {
    inputTokens: { total: inputTokens, noCache: inputTokens, cacheRead: undefined, cacheWrite: undefined },
    outputTokens: { total: outputTokens, text: outputTokens, reasoning: undefined },
  };
}

export function createOfflineModel(modelId = "echo"): LanguageModelV4 {
  return {
    specificationVersion: "v4",
    provider: "offline",
    modelId,
    supportedUrls: {},
    async doGenerate(options: LanguageModelV4CallOptions) {
      const { input, echo: lastUser } = promptText(options.prompt);
      const echo = replyFor(options, lastUser);
      const tokens = tokenize(echo).slice(0, options.maxOutputTokens ?? Infinity);
      const truncated = tokens.length < tokenize(echo).length;
      return {
        content: [{ type: "text", text: tokens.join("") }],
        finishReason: { unified: truncated ? "length" : "stop", raw: undefined },
        usage: usage(tokenize(input).length, tokens.length),
        warnings: [],
      };
    },
    async doStream(options: LanguageModelV4CallOptions) {
      const { input, echo: lastUser } = promptText(options.prompt);
      const echo = replyFor(options, lastUser);
      const all = tokenize(echo);
      const tokens = all.slice(0, options.maxOutputTokens ?? Infinity);
      const signal = options.abortSignal;
      let i = 0;
      const stream = new ReadableStream<LanguageModelV4StreamPart>({
        start(c) {
          c.enqueue({ type: "stream-start", warnings: [] });
          c.enqueue({ type: "text-start", id: "t0" });
        },
        // Pull-based with a macrotask between tokens, so a slow or gone client backs it up and
        // an abort stops it, like a real upstream.
        async pull(c) {
          if (signal?.aborted) {
            c.error(signal.reason ?? new DOMException("Aborted", "AbortError"));
            return;
          }
          if (i < tokens.length) {
            c.enqueue({ type: "text-delta", id: "t0", delta: tokens[i++]! });
            if (i % 8 === 0) await new Promise((r) => setImmediate(r));
            return;
          }
          c.enqueue({ type: "text-end", id: "t0" });
          c.enqueue({
            type: "finish",
            finishReason: { unified: tokens.length < all.length ? "length" : "stop", raw: undefined },
            usage: usage(tokenize(input).length, tokens.length),
          });
          c.close();
        },
      });
      return { stream };
    },
  };
}
