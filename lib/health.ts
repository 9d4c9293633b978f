import "server-only";
import { sql } from "drizzle-orm";
import { z } from "zod";
import { getDb, getDbKind } from "@/db";
import { breakerOpen } from "@/lib/llm/circuit-breaker";
import { listProviders } from "@/lib/llm/registry";
import { getLimiter } from "@/lib/ratelimit/limiter";
import { isDraining } from "@/lib/runs/in-flight";

const check = z.object({ ok: z.boolean(), kind: z.string().optional(), error: z.string().optional() });
const provider = z.object({
  name: z.string().meta({ description: "The `<provider>` of `<provider>:<model>` model ids." }),
  base_url: z.string().meta({ description: "Scheme, host and path only (never credentials or query)." }),
  api: z.enum(["chat", "responses"]),
  key_configured: z.boolean().meta({ description: "Whether an API key is set (the key itself is never shown)." }),
  circuit_open: z.boolean().meta({ description: "This instance is skipping the provider after repeated failures (a short cool-down)." }),
});
export const healthResponse = z.object({
  ok: z.boolean(),
  draining: z
    .boolean()
    .optional()
    .meta({ description: "true while the instance shuts down (then 503: balancers stop sending it requests)." }),
  pid: z.number().int().meta({ description: "The server process that answered (`npm start` runs WEB_CONCURRENCY of them on one port)." }),
  checks: z.record(z.string(), check).meta({ description: "`database` and `ratelimit`: whether each answered, and its kind." }),
  providers: z
    .array(provider)
    .meta({ description: "The configured LLM providers (OPENAI_* and FLOWGATE_PROVIDERS), as configured: not probed." }),
});

/** A base URL without what could be secret in it (user info, query, fragment). */
function publicUrl(raw: string) {
  const u = new URL(raw);
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** GET /api/health — 200 when the database (and the rate-limit store, when remote) answers; 503 with what is down. */
export async function checkHealth() {
  const checks: Record<string, { ok: boolean; kind?: string; error?: string }> = {};
  function withTimeout<T>(p: Promise<T>) {
    return Promise.race([p, new Promise<never>((_, r) => setTimeout(() => r(new Error("timed out after 2000 ms")), 2000).unref())]);
  }
  try {
    const db = await withTimeout(getDb());
    await withTimeout(db.execute(sql`select 1`));
    checks.database = { ok: true, kind: await getDbKind() };
  } catch (e) {
    checks.database = { ok: false, error: (e as Error).message.slice(0, 200) };
  }
  const limiter = getLimiter();
  if (limiter.ping) {
    try {
      await withTimeout(limiter.ping());
      checks.ratelimit = { ok: true, kind: limiter.kind };
    } catch (e) {
      checks.ratelimit = { ok: false, kind: limiter.kind, error: (e as Error).message.slice(0, 200) };
    }
  } else checks.ratelimit = { ok: true, kind: limiter.kind };
  const draining = isDraining();
  const ok = !draining && Object.values(checks).every((c) => c.ok);
  const providers = listProviders().map((p) => ({
    name: p.name,
    base_url: publicUrl(p.baseURL),
    api: p.api,
    key_configured: p.hasKey,
    circuit_open: breakerOpen(p.name),
  }));
  return Response.json(
    { ok, ...(draining ? { draining } : {}), pid: process.pid, checks, providers } satisfies z.input<typeof healthResponse>,
    { status: ok ? 200 : 503, headers: { "cache-control": "no-store" } },
  );
}
