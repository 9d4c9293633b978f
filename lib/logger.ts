import { getEnv } from "./env";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 } as const;
type Level = Exclude<keyof typeof LEVELS, "silent">;

// Secrets must never reach a log line: keys, stream tokens and bearer headers are masked
// wherever they appear, whatever field carries them.
const SECRET_PATTERNS = [/sk_[a-z0-9]{8,}/gi, /sk-[A-Za-z0-9_-]{12,}/g, /pub_tok_[a-z0-9]{8,}/gi, /Bearer\s+[^\s"'\\]+/gi];
// The password of an SMTP URL (smtp://user:password@host), wherever such a URL is quoted.
const SMTP_URL_PASSWORD = /(smtps?:\/\/[^:/@\s"]*:)[^@\s"]+@/gi;

// A failed query's message carries its parameters ("Failed query: …\nparams: …", drizzle): password
// hashes, session tokens, emails. The statement stays, the values go. Matched inside the JSON line,
// where the newline after them is the two characters \n.
const QUERY_PARAMS = /params: (?:[^"\\\n]|\\[^n])*/g;

/** Masks our keys and tokens, OpenAI-style keys, bearer credentials, query parameters and the configured providers' keys. */
export function redact(text: string): string {
  let out = text.replace(QUERY_PARAMS, "params: [redacted]");
  out = out.replace(SMTP_URL_PASSWORD, "$1[redacted]@");
  for (const re of SECRET_PATTERNS) out = out.replace(re, (m) => `${m.slice(0, m.startsWith("Bearer") ? 7 : 6)}…`);
  const env = getEnv();
  for (const providerKey of [
    env.OPENAI_API_KEY,
    ...Object.values(env.FLOWGATE_PROVIDERS).map((p) => p.api_key),
    ...smtpSecrets(env.SMTP_URL),
  ]) {
    if (providerKey && providerKey.length >= 8) out = out.replaceAll(providerKey, "[provider key]");
  }
  return out;
}

/** The SMTP password as written in SMTP_URL and decoded: an error message may quote either. */
function smtpSecrets(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const raw = new URL(url).password;
    return raw ? [raw, decodeURIComponent(raw)] : [];
  } catch {
    return [];
  }
}

// The cause too: a failed query's error (drizzle) says only which statement; the database's own
// error (a deadlock, a unique violation) and its code are its cause.
function serializeError(e: unknown, depth = 0): unknown {
  if (!(e instanceof Error)) return e;
  const code = (e as { code?: unknown }).code;
  return {
    name: e.name,
    message: e.message,
    ...(typeof code === "string" ? { code } : {}),
    stack: e.stack,
    ...(e.cause !== undefined && depth < 3 ? { cause: serializeError(e.cause, depth + 1) } : {}),
  };
}

/** Where log lines go; tests swap it to capture and scan output. */
export const logSink = { write: (line: string) => process.stderr.write(line + "\n") };

function log(level: Level, msg: string, fields?: Record<string, unknown>) {
  if (LEVELS[level] < LEVELS[getEnv().LOG_LEVEL]) return;
  const record: Record<string, unknown> = { level, time: new Date().toISOString(), msg };
  for (const [k, v] of Object.entries(fields ?? {})) record[k] = k === "err" ? serializeError(v) : v;
  logSink.write(redact(JSON.stringify(record)));
}

export const logger = {
  debug: (msg: string, fields?: Record<string, unknown>) => log("debug", msg, fields),
  info: (msg: string, fields?: Record<string, unknown>) => log("info", msg, fields),
  warn: (msg: string, fields?: Record<string, unknown>) => log("warn", msg, fields),
  error: (msg: string, fields?: Record<string, unknown>) => log("error", msg, fields),
};
