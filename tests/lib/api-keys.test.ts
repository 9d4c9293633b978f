import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { getDb } from "@/db";
import { createApiKey, revokeApiKey, verifyApiKey } from "@/lib/auth/api-keys";
import { sha256Hex } from "@/lib/ids";
import { createOrg } from "@/lib/orgs/create-org";

describe("API keys", () => {
  it("are sk_ + 32 lowercase alphanumerics, stored only as a SHA-256 hash with a display prefix", async () => {
    const { org_id } = await createOrg({ name: "k" });
    const created = await createApiKey({ orgId: org_id });
    expect(created.key).toMatch(/^sk_[a-z0-9]{32}$/);
    expect(created.prefix).toBe(`${created.key.slice(0, 7)}…${created.key.slice(-4)}`);
    const db = await getDb();
    const rows = await db.execute(sql`select * from api_keys where org_id = ${org_id}`);
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(created.key);
    expect(dump).toContain(sha256Hex(created.key));
  });

  it("verify finds active keys, and a revoke takes effect on the next request", async () => {
    const { org_id } = await createOrg({ name: "k" });
    const { key, id } = await createApiKey({ orgId: org_id });
    expect(await verifyApiKey(key)).toMatchObject({ keyId: id, orgId: org_id });
    expect(await verifyApiKey(key.slice(0, -1) + (key.endsWith("a") ? "b" : "a"))).toBeNull();
    await revokeApiKey({ orgId: org_id, keyId: id });
    expect(await verifyApiKey(key)).toBeNull();
  });

  it("another org cannot revoke a key (not found)", async () => {
    const a = await createOrg({ name: "a" });
    const b = await createOrg({ name: "b" });
    const { id } = await createApiKey({ orgId: a.org_id });
    await expect(revokeApiKey({ orgId: b.org_id, keyId: id })).rejects.toMatchObject({ code: "not_found" });
  });
});
