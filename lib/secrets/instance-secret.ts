import "server-only";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { getEnv } from "@/lib/env";
import { randomAlnum } from "@/lib/ids";
import { processSingleton } from "@/lib/process-singleton";

/** The secret sessions are signed with; also keys other signed links (notice unsubscribe links). */
export function getAuthSecret(): string {
  return getEnv().BETTER_AUTH_SECRET ?? processSingleton("auth-secret", generatedSecret);
}

function generatedSecret(): string {
  const env = getEnv();
  // Zero-configuration default: generated once and kept beside the embedded database. Several
  // instances must share BETTER_AUTH_SECRET instead.
  const dir = env.FLOWGATE_DATA_DIR.startsWith("memory://") ? null : env.FLOWGATE_DATA_DIR;
  const file = dir ? path.join(dir, "auth-secret") : null;
  if (file && existsSync(file)) return readFileSync(file, "utf8").trim();
  const secret = randomAlnum(48);
  if (file) {
    mkdirSync(dir!, { recursive: true });
    writeFileSync(file, secret, { mode: 0o600 });
  }
  return secret;
}
