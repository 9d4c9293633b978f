import "server-only";
import { z } from "zod";
import { providersSetting } from "@/lib/llm/provider-settings";

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
  /**
   * The instance's operators (the /operator console, lib/operator): comma-separated e-mail
   * addresses, counted only once their user has verified them. More with `npm run admin -- operator add`.
   */
  FLOWGATE_OPERATOR_EMAILS: z.string().default(""),
  LOOKUP_CACHE_TTL_MS: z.coerce.number().int().min(0).max(2000).default(1000),
  OPENAI_API_KEY: z.string().min(1).optional(),
  OPENAI_BASE_URL: z.string().url().optional(),
  /** Which OpenAI wire API `openai:<model>` uses. Default: responses for api.openai.com, chat for other servers. */
  OPENAI_API: z.enum(["responses", "chat"]).optional(),
  /**
   * More OpenAI-compatible providers, as JSON: {"<name>": {"base_url", "api_key"?, "api"?: "chat" | "responses"}}.
   * Bad JSON or an unknown field stops the server at start.
   */
  FLOWGATE_PROVIDERS: providersSetting,
  /** A model with no price in model_prices: "default" charges the default price, "refuse" refuses to run it. */
  UNPRICED_MODELS: z.enum(["default", "refuse"]).default("default"),
  /** A model call that has produced no token after this long is abandoned and retried (or the next model tried). */
  LLM_FIRST_TOKEN_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(60_000),
  /** First retry delay; doubled per retry (with jitter), at most 4 s. */
  LLM_RETRY_BASE_MS: z.coerce.number().int().min(0).max(10_000).default(250),
  /** The longest provider Retry-After honoured; a longer one moves on to the next model instead of waiting. */
  LLM_RETRY_AFTER_MAX_S: z.coerce.number().min(0).max(300).default(10),
  /** Consecutive failures (5xx, timeouts, connection errors) after which a provider is skipped for a cool-down. */
  LLM_BREAKER_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  LLM_BREAKER_COOLDOWN_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /**
   * The shortest time the failures in a row must span before the breaker opens: failures that end
   * together (the connections of one moment reset at once) are one event, not a dead provider.
   */
  LLM_BREAKER_SPAN_MS: z.coerce.number().int().min(0).max(600_000).default(1_000),
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
  /** Seals secrets stored in the database (tools' header values); unset → derived from the auth secret (lib/secrets/sealed.ts). */
  FLOWGATE_SECRETS_KEY: z.string().min(32).optional(),
  /**
   * Outgoing mail (lib/mail): smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465.
   * Unset: each message is written to FLOWGATE_DATA_DIR/mail/<id>.eml and its links logged.
   */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\/[^\s]+$/, "expected smtp://user:pass@host:587 or smtps://user:pass@host:465")
    .optional(),
  /** The From of every message: an address, or "Name <address>". */
  MAIL_FROM: z.string().min(3).max(200).default("Flowgate <flowgate@localhost>"),
  /** Sign-up must verify the address before the account can sign in. Default: on when SMTP_URL is set. */
  REQUIRE_EMAIL_VERIFICATION: z.stringbool().optional(),
  /** Public URL of the dashboard (cookies, redirects). Default http://localhost:PORT. */
  BETTER_AUTH_URL: z.string().url().optional(),
  /**
   * How many reverse proxies in front of the app append to X-Forwarded-For. 0: none, the client
   * address is the socket's. Applied by scripts/trusted-proxy.mjs (preloaded by `npm start`),
   * which parses it itself; here for validation and the warning when that preload is missing.
   */
  TRUSTED_PROXY_HOPS: z.coerce.number().int().min(0).max(99).default(0),
  /** Credits a new organization starts with. */
  SIGNUP_CREDITS: z.coerce.number().int().nonnegative().default(10_000),
  /**
   * 1: the hot endpoints (POST /api/v1/run/{id}/stream) are served by `npm start`'s preload
   * without Next's request routing (scripts/direct-routes.mjs, lib/api/direct-routes.ts); 0: every
   * request goes through Next. Read by that preload itself; here for validation.
   */
  FLOWGATE_DIRECT_ROUTES: z.enum(["0", "1"]).default("1"),
  /** Serves /api/bench/* reference routes (benchmarks only). */
  FLOWGATE_BENCH_ROUTES: z.stringbool().default(false),
  /**
   * Set (to true) in the environment of `next start` / the standalone server: Next then leaves
   * SIGTERM and SIGINT to us, and the instance drains (lib/server/drain.ts) instead of exiting at once.
   */
  NEXT_MANUAL_SIG_HANDLE: z.stringbool().default(false),
  /** While the event loop is busy, a stream body gathers a paced stream's deltas for up to this long (lib/transports/protocols/flush-window.ts); 0: never. */
  STREAM_FLUSH_MS: z.coerce.number().int().min(0).max(250).default(50),
  /** Send a run's first model call while its credits are reserved, for an org whose last reservation here was granted in full (lib/runs/early-dispatch.ts). */
  EARLY_DISPATCH: z.stringbool().default(true),
  /** On SIGTERM, how long runs in flight may take to finish before they are canceled and settled. */
  SHUTDOWN_GRACE_S: z.coerce.number().min(0).max(3600).default(30),
  /**
   * On SIGTERM, how long the instance goes on answering (health 503, new runs 503) before it exits,
   * however soon its runs finish: the balancer's health checks take it out of rotation meanwhile, so
   * nothing is sent on a connection it is about to close (docs/deploy.md, HAProxy: about 1 s).
   */
  SHUTDOWN_DELAY_S: z.coerce.number().min(0).max(60).default(2),
  /** Let webhooks reach private, loopback, link-local and other non-public addresses, this host's included (self-hosting next to the receiver; tests). */
  WEBHOOKS_ALLOW_PRIVATE: z.stringbool().default(false),
  /** Let HTTP and MCP tools reach private, loopback and other non-public addresses (a tool server beside the instance; tests). */
  TOOLS_ALLOW_PRIVATE: z.stringbool().default(false),
  /** How long one HTTP or MCP tool call may take (ms, at most 30 s) before the model is told it timed out. */
  TOOL_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(10_000),
  /** Async runs (Prefer: respond-async) this instance executes at once; more wait queued in the database. */
  RUN_QUEUE_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(8),
  /** Async runs of one org executing at once on all instances together: the rest of the slots stay free for other orgs. */
  RUN_QUEUE_ORG_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(4),
  /** Async runs one org may have queued or executing at once; more are refused with 429. */
  RUN_QUEUE_MAX_PER_ORG: z.coerce.number().int().min(1).max(100_000).default(100),
  /**
   * Buying credits (lib/billing): Stripe's secret key and the signing secret of the webhook endpoint
   * (POST /api/webhooks/stripe). Unset: no buying, the Billing page says how the operator grants credits.
   */
  STRIPE_SECRET_KEY: z.string().min(1).optional(),
  STRIPE_WEBHOOK_SECRET: z.string().min(1).optional(),
  /** Where the Stripe SDK sends requests (its host, port and protocol); unset: Stripe itself. A local stand-in in tests. */
  STRIPE_API_BASE: z.string().url().optional(),
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
  if (cached) return cached;
  const parsed = schema.safeParse(process.env);
  // One line per problem, naming the variable (and the field inside it): the operator reads this at start.
  if (!parsed.success) throw new Error(`Invalid configuration: ${parsed.error.issues.map(describeIssue).join("; ")}`);
  cached = parsed.data;
  return cached;
}

function describeIssue(i: z.core.$ZodIssue): string {
  const detail = i.code === "invalid_key" ? `: ${i.issues.map((x) => x.message).join(", ")}` : "";
  return `${i.path.map(String).join(".")}: ${i.message}${detail}`;
}

/** Tests change the environment between suites; this forgets the parsed copy. */
export function resetEnvForTests() {
  cached = undefined;
}
