import { z } from "zod";

// FLOWGATE_PROVIDERS: named OpenAI-compatible providers besides `openai` (OPENAI_API_KEY /
// OPENAI_BASE_URL). Parsed strictly because a typo ("apikey", "baseUrl") would otherwise leave a
// provider silently keyless or pointed at OpenAI: the server refuses to start instead.

/** Names that already mean something in a model id. */
export const RESERVED_PROVIDER_NAMES = ["openai", "openai.chat", "openai.responses", "offline"];

const providerName = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,31}$/, "provider names are lowercase letters, digits, - and _ (at most 32)")
  .refine(
    (n) => !RESERVED_PROVIDER_NAMES.includes(n),
    "this provider name is reserved (openai is configured with OPENAI_API_KEY / OPENAI_BASE_URL)",
  );

const providerSpec = z.strictObject({
  base_url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
  /** Optional: local servers (Ollama, vLLM) take none. */
  api_key: z.string().min(1).optional(),
  /** Chat Completions unless told otherwise: the compatible servers speak chat; few speak Responses. */
  api: z.enum(["chat", "responses"]).default("chat"),
});

export type ProviderSpec = z.output<typeof providerSpec>;

export const providersSetting = z
  .string()
  .optional()
  .transform((raw, ctx) => {
    if (raw === undefined || raw.trim() === "") return {};
    try {
      return JSON.parse(raw) as unknown;
    } catch (e) {
      ctx.addIssue({ code: "custom", message: `not valid JSON (${(e as Error).message})` });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(providerName, providerSpec, {
      error: (i) => (i.code === "invalid_type" ? "must be a JSON object of providers" : undefined),
    }),
  )
  .refine((p) => Object.keys(p).length <= 50, "at most 50 providers");
