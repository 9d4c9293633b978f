import "server-only";
import { getDb } from "@/db";
import { providerAttemptsSince } from "@/db/queries/operator-console";
import { breakerState } from "@/lib/llm/circuit-breaker";
import { listProviders } from "@/lib/llm/registry";

/**
 * The configured providers (never their keys) with this instance's circuit breaker for each, and
 * the model calls of the last hour per provider from every instance's runs.
 */
export async function operatorProviders(now = Date.now()) {
  const attempts = await providerAttemptsSince(await getDb(), { from: new Date(now - 3_600_000) });
  const names = [...new Set([...listProviders().map((p) => p.name), ...attempts.map((a) => a.provider)])];
  const configured = new Map(listProviders().map((p) => [p.name, p]));
  return names.map((name) => {
    const p = configured.get(name);
    const of = (status: string) => attempts.find((a) => a.provider === name && a.status === status)?.count ?? 0;
    return {
      name,
      configured: !!p,
      baseUrl: p ? publicUrl(p.baseURL) : null,
      api: p?.api ?? null,
      keyConfigured: p?.hasKey ?? false,
      breaker: breakerState(name, now),
      lastHour: { succeeded: of("succeeded"), failed: of("failed"), skipped: of("skipped") },
    };
  });
}

/** A base URL without what could be secret in it (user info, query, fragment). */
function publicUrl(raw: string) {
  try {
    const u = new URL(raw);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return "(invalid URL)";
  }
}
