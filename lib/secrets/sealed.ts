import "server-only";
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { getEnv } from "@/lib/env";
import { processSingleton } from "@/lib/process-singleton";
import { getAuthSecret } from "./instance-secret";

// Secrets the database keeps on a user's behalf (tools' header values, issue 31) are sealed with
// AES-256-GCM: a database dump, a backup or a read-only SQL user sees ciphertext only. The key is
// FLOWGATE_SECRETS_KEY, else derived from the auth secret (HKDF, its own label) — so rotating
// either makes the sealed values unreadable: they must be entered again. Every instance needs the
// same key, like BETTER_AUTH_SECRET.

const PREFIX = "sealed:v1:";
const IV_BYTES = 12;
const TAG_BYTES = 16;

function key(): Buffer {
  return processSingleton("sealing-key", () => {
    const root = getEnv().FLOWGATE_SECRETS_KEY ?? getAuthSecret();
    return Buffer.from(hkdfSync("sha256", root, "flowgate", "flowgate sealed secrets v1", 32));
  });
}

export function isSealed(value: string): boolean {
  return value.startsWith(PREFIX);
}

/** The secret, sealed. */
export function sealSecret(plain: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString("base64url");
}

export class UnreadableSecretError extends Error {
  constructor() {
    super("A stored secret cannot be read with this instance's key (FLOWGATE_SECRETS_KEY or BETTER_AUTH_SECRET changed?)");
    this.name = "UnreadableSecretError";
  }
}

/** The plain secret. Throws UnreadableSecretError (naming no value) when it was sealed with another key or altered. */
export function openSecret(sealed: string): string {
  if (!isSealed(sealed)) throw new UnreadableSecretError();
  const raw = Buffer.from(sealed.slice(PREFIX.length), "base64url");
  if (raw.length < IV_BYTES + TAG_BYTES) throw new UnreadableSecretError();
  try {
    const decipher = createDecipheriv("aes-256-gcm", key(), raw.subarray(0, IV_BYTES));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    return Buffer.concat([decipher.update(raw.subarray(IV_BYTES, raw.length - TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch {
    throw new UnreadableSecretError();
  }
}
