import "server-only";
import { getDb } from "@/db";
import { ensureToolSigningSecret } from "@/db/queries/orgs";
import { AppError } from "@/lib/errors";
import { newSecret } from "@/lib/ids";
import { processSingleton } from "@/lib/process-singleton";
import { openSecret, sealSecret } from "@/lib/secrets/sealed";

// One signing secret per org for its HTTP tools (Standard Webhooks, `whsec_…`): a receiver verifies
// every call with it, whichever workflow made it. Made on first use and kept on the org row; an
// admin reads it with GET /api/v1/tools/signing-secret (docs/tools.md). A tool secret, so sealed at
// rest like tools' header values (lib/secrets/sealed.ts). It never changes by itself, so this process
// keeps what it read.
const cache = processSingleton("tool-signing-secrets", () => new Map<string, string>());

export async function toolSigningSecret(orgId: string): Promise<string> {
  const hit = cache.get(orgId);
  if (hit) return hit;
  const sealed = await ensureToolSigningSecret(await getDb(), { orgId, candidate: sealSecret(newSecret.webhookSecret()) });
  if (!sealed) throw new AppError("not_found", "Organization not found");
  const secret = openSecret(sealed);
  if (cache.size > 10_000) cache.clear();
  cache.set(orgId, secret);
  return secret;
}
