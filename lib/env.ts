import { z } from "zod";

// The only reader of process.env (besides drizzle.config.ts). Parsed lazily so that tests and
// scripts can set variables before first use.
const schema = z.object({
  NODE_ENV: z.string().default("development"),
  PORT: z.coerce.number().int().positive().default(3000),
  /** PostgreSQL URL; unset → embedded PGlite in FLOWGATE_DATA_DIR. */
  DATABASE_URL: z.string().min(1).optional(),
  /** Where the embedded database and first-run files live. `memory://` keeps PGlite in memory. */
  FLOWGATE_DATA_DIR: z.string().default(".data"),
  REDIS_URL: z.string().min(1).optional(),
  UPSTASH_REDIS_REST_URL: z.string().url().optional(),
  UPSTASH_REDIS_REST_TOKEN: z.string().min(1).optional(),
  /** Requests per minute per API key unless the key overrides it. */
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().positive().default(600),
  /** How long a rate-limit backend may take before we give up on it. */
  RATE_LIMIT_TIMEOUT_MS: z.coerce.number().int().positive().default(200),
  /** When the rate-limit backend is down: "open" lets requests through, "closed" answers 429. */
  RATE_LIMIT_FAIL_MODE: z.enum(["open", "closed"]).default("open"),
  /**
   * How long a key verification or a published-version lookup may be reused by this process
   * (lib/cache/lookup-cache.ts): the bound on how late another instance sees a revoke or a publish.
   * 0 turns the cache off.
   */
  LOOKUP_CACHE_TTL_MS: z.coerce.number().int().min(0).max(2000).default(1000),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.string().url().optional(),
  /** Which OpenAI wire API `openai:<model>` uses. Default: responses for api.openai.com, chat for other servers. */
  OPENAI_API: z.enum(["responses", "chat"]).optional(),
  /** Model of the demo workflow created on first run. */
  DEFAULT_MODEL: z.string().optional(),
  /** Credits granted to the demo org on first run. */
  DEMO_CREDITS: z.coerce.number().int().nonnegative().default(100_000),
  /** Upper bound of a run, in seconds (the seed's 300 s). */
  RUN_MAX_DURATION_S: z.coerce.number().positive().default(300),
  /** How many tokens of earlier turns a session run may carry as history. */
  SESSION_HISTORY_TOKENS: z.coerce.number().int().nonnegative().default(4000),
  /** Signs dashboard sessions. Unset: a random secret kept in FLOWGATE_DATA_DIR (single instance only). */
  BETTER_AUTH_SECRET: z.string().min(32).optional(),
  /** Public URL of the dashboard (cookies, redirects). Default http://localhost:PORT. */
  BETTER_AUTH_URL: z.string().url().optional(),
  /** Credits a new organization starts with. */
  SIGNUP_CREDITS: z.coerce.number().int().nonnegative().default(10_000),
  /** Serves /api/bench/* reference routes (benchmarks only). */
  FLOWGATE_BENCH_ROUTES: z.stringbool().default(false),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  /**
   * OpenTelemetry, by its standard variables: traces go over OTLP/HTTP (JSON) to the traces
   * endpoint, or to the base endpoint + /v1/traces. Neither set (or OTEL_SDK_DISABLED=true): off,
   * and no tracing code runs at all. OTEL_EXPORTER_OTLP_HEADERS etc. are read by the exporter.
   */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: z.string().url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default("flowgate"),
  OTEL_SDK_DISABLED: z.stringbool().default(false),
});

export type Env = z.infer<typeof schema>;

let cached: Env | undefined;

export function getEnv(): Env {
  cached ??= schema.parse(process.env);
  return cached;
}

/** Tests change the environment between suites; this forgets the parsed copy. */
export function resetEnvForTests() {
  cached = undefined;
}
