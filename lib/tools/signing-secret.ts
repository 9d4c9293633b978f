import "server-only";
import { getDb } from "@/db";
import { ensureToolSigningSecret, readToolSigningSecrets, rotateToolSigningSecret as rotateSecretRow } from "@/db/queries/orgs";
import { recordAudit } from "@/lib/audit/record-audit";
import { lookupCache } from "@/lib/cache/lookup-cache";
import { AppError } from "@/lib/errors";
import { newSecret } from "@/lib/ids";
import { openSecret, sealSecret } from "@/lib/secrets/sealed";

// One signing secret per org for its HTTP tools (Standard Webhooks, `whsec_…`): a receiver verifies
// every call with it, whichever workflow made it. Made on first use and kept on the org row; an
// admin reads it with GET /api/v1/tools/signing-secret and replaces it with POST …/rotate
// (docs/tools.md). For TOOL_SECRET_OVERLAP_MS after a rotation every call carries a signature by
// the previous secret too, so receivers can switch at their own pace. Tool secrets, so both are
// sealed at rest like tools' header values (lib/secrets/sealed.ts). Each process reuses what it
// read for LOOKUP_CACHE_TTL_MS (lib/cache/lookup-cache.ts): a rotation made elsewhere signs every
// call within that bound.

/** How long the secret a rotation replaced still signs calls, beside the new one. */
export const TOOL_SECRET_OVERLAP_MS = 24 * 3_600_000;

const cache = lookupCache<string[]>("tool-signing-secrets");

async function loadSecrets(orgId: string): Promise<string[] | undefined> {
  const db = await getDb();
  const row = await readToolSigningSecrets(db, { orgId, overlapMs: TOOL_SECRET_OVERLAP_MS });
  if (!row) return undefined;
  const current = row.secret ?? (await ensureToolSigningSecret(db, { orgId, candidate: sealSecret(newSecret.webhookSecret()) }));
  if (!current) return undefined;
  return row.previous ? [openSecret(current), openSecret(row.previous)] : [openSecret(current)];
}

/** The secrets an HTTP tool call is signed with: the current one first, then the previous one during the overlap. */
export async function toolSigningSecrets(orgId: string): Promise<string[]> {
  const secrets = await cache.get(orgId, orgId, () => loadSecrets(orgId));
  if (!secrets) throw new AppError("not_found", "Organization not found");
  return secrets;
}

/** The org's current tool signing secret (made on first use). */
export async function toolSigningSecret(orgId: string): Promise<string> {
  return (await toolSigningSecrets(orgId))[0]!;
}

/**
 * Replaces the org's tool signing secret with a new one, returned this once; the one replaced
 * still signs calls until `previous_valid_until` (null when there was none). Audited.
 */
export async function rotateToolSigningSecret({ orgId, actorId }: { orgId: string; actorId: string | null }) {
  const secret = newSecret.webhookSecret();
  const db = await getDb();
  const rotated = await db.transaction(async (tx) => {
    const row = await rotateSecretRow(tx, { orgId, candidate: sealSecret(secret) });
    if (!row) throw new AppError("not_found", "Organization not found");
    const previousValidUntil = row.hadPrevious ? new Date(row.rotatedAt!.getTime() + TOOL_SECRET_OVERLAP_MS).toISOString() : null;
    await recordAudit(tx, {
      orgId,
      actorId,
      action: "tools.signing_secret_rotate",
      targetId: orgId,
      details: { previous_valid_until: previousValidUntil },
    });
    return { previousValidUntil };
  });
  cache.forget(orgId);
  return { secret, previous_valid_until: rotated.previousValidUntil };
}
