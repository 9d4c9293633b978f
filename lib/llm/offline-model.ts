import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4Prompt, LanguageModelV4StreamPart } from "@ai-sdk/provider";
import { estimateTokens } from "@/lib/llm/estimate-tokens";
import { exampleOf } from "./schema-example";

// The zero-configuration model: deterministic, local, honest about tokens. It streams the
// rendered prompt back (with structured output: an example of the schema) one token at a time, a
// token being up to 4 characters, and reports usage with the estimate credits use (~4 bytes per
// token). Counting words instead made one 900 KB "word" cost two credits and land whole in the
// session's history.

/** The first `max` tokens of the text, and whether there were more (only those are cut out). */
function tokenize(text: string, max = Infinity): { tokens: string[]; truncated: boolean } {
  // Whole code points (the u flag), so a delta never splits a surrogate pair.
  const re = /[\s\S]{1,4}/gu;
  const tokens: string[] = [];
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (tokens.length >= max) return { tokens, truncated: true };
    tokens.push(m[0]);
  }
  return { tokens, truncated: false };
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
    const text = typeof m.content === "string" ? m.content : m.content.map(partText).join("");
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
      const { tokens, truncated } = tokenize(replyFor(options, lastUser), options.maxOutputTokens);
      return {
        content: [{ type: "text", text: tokens.join("") }],
        finishReason: { unified: truncated ? "length" : "stop", raw: undefined },
        usage: usage(estimateTokens(input), tokens.length),
        warnings: [],
      };
    },
    async doStream(options: LanguageModelV4CallOptions) {
      const { input, echo: lastUser } = promptText(options.prompt);
      const { tokens, truncated } = tokenize(replyFor(options, lastUser), options.maxOutputTokens);
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
            finishReason: { unified: truncated ? "length" : "stop", raw: undefined },
            usage: usage(estimateTokens(input), tokens.length),
          });
          c.close();
        },
      });
      return { stream };
    },
  };
}
