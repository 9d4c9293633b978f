import { createHash } from "node:crypto";
import type { Redis } from "@upstash/redis";

/** The one thing the adapter needs from node-redis: send a raw command, get the RESP reply. */
export type RawRedis = { sendCommand(args: string[]): Promise<unknown> };

/** What @upstash/ratelimit calls on its `redis` (single-region limiters; see its dist: safeEval → evalsha, eval on NOSCRIPT). */
export type RatelimitRedis = Pick<Redis, "evalsha" | "eval" | "get" | "set">;

/**
 * @upstash/ratelimit on a self-hosted Redis: the same Lua scripts run through node-redis instead of
 * Upstash's REST API, so one algorithm counts everywhere. Arguments and replies are converted the
 * way @upstash/redis does (strings/numbers as they are, anything else as JSON; replies JSON-parsed
 * where they parse), so the scripts see identical values on both backends.
 */
export function createRedisAdapter(client: RawRedis): RatelimitRedis {
  const scripts = createScriptCompat();
  const send = async (args: unknown[]) => parseReply(await client.sendCommand(args.map(serialize)));
  return {
    evalsha: (sha: string, keys: string[], args: unknown[]) => send(["EVALSHA", scripts.sha(sha), keys.length, ...keys, ...args]),
    eval: (script: string, keys: string[], args: unknown[]) => send(["EVAL", scripts.script(script), keys.length, ...keys, ...args]),
    get: (key: string) => send(["GET", key]),
    set: (key: string, value: unknown, opts?: Record<string, unknown>) => {
      const extra: unknown[] = [];
      for (const [k, v] of Object.entries(opts ?? {})) {
        if (v === undefined || v === false) continue;
        extra.push(k.toUpperCase()); // ex → EX, keepTtl → KEEPTTL, nx → NX, …
        if (v !== true) extra.push(v);
      }
      return send(["SET", key, value, ...extra]);
    },
    // Upstash's methods are generic in their reply type; ours return the reply as parsed.
  } as RatelimitRedis;
}

const UPSTASH_ONLY_FLAGS = new Set(["allow-key-locking"]);

/**
 * @upstash/ratelimit ≥ 2.1 starts its scripts with `#!lua flags=allow-key-locking`, an Upstash
 * extension (per-key instead of global locking) that Redis refuses: "ERR Unexpected flag in script
 * shebang". Dropping it changes nothing on Redis, which runs every script under its global lock;
 * with no flag left the shebang goes too, which is exactly the script of @upstash/ratelimit 2.0.
 * The library calls EVALSHA with the hash of the flagged text, so the hash is mapped as well —
 * otherwise every call would miss (NOSCRIPT) and send the whole script again.
 */
export function createScriptCompat() {
  const shas = new Map<string, string>();
  return {
    script(text: string): string {
      const m = /^#!lua(?:[ \t]+flags=([^\r\n]*))?\r?\n/.exec(text);
      if (!m) return text;
      const flags = (m[1] ?? "")
        .split(",")
        .map((f) => f.trim())
        .filter(Boolean);
      const kept = flags.filter((f) => !UPSTASH_ONLY_FLAGS.has(f));
      if (kept.length === flags.length) return text;
      const body = text.slice(m[0].length);
      const out = kept.length ? `#!lua flags=${kept.join(",")}\n${body}` : body;
      shas.set(sha1(text), sha1(out));
      return out;
    },
    sha: (sha: string) => shas.get(sha) ?? sha,
  };
}

function sha1(s: string) {
  return createHash("sha1").update(s).digest("hex");
}

function serialize(c: unknown): string {
  return typeof c === "string" || typeof c === "number" || typeof c === "boolean" ? String(c) : JSON.stringify(c);
}

// @upstash/redis's automatic deserialization: JSON where it parses, except numbers that would
// change their text (big integers stay strings).
function parseReply(r: unknown): unknown {
  if (Array.isArray(r)) return r.map(parseReply);
  if (typeof r !== "string") return r;
  try {
    const parsed: unknown = JSON.parse(r);
    return typeof parsed === "number" && String(parsed) !== r ? r : parsed;
  } catch {
    return r;
  }
}
