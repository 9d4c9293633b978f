import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { applyMigration as apply, migrationFiles } from "../support/migrations";

// The opening_grants migration on a database that predates it: every user who is or was in an
// organization counts as granted (under the old rule they may have been), a user who never was
// does not.

describe("migration opening_grants: backfill", () => {
  it("marks members and former members as granted, not users who never were in an organization", async () => {
    const files = migrationFiles();
    const migration = files.find((f) => f.endsWith("_opening_grants.sql"))!;
    const db = new PGlite();
    try {
      for (const f of files.filter((f) => f < migration)) await apply(db, f);
      await db.exec(`
        INSERT INTO "user" (id, name, email) VALUES ('u_member', 'M', 'm@x'), ('u_removed', 'R', 'r@x'), ('u_new', 'N', 'n@x');
        INSERT INTO organization (id, name, slug) VALUES ('org_a', 'A', 'a');
        INSERT INTO orgs (id, name) VALUES ('org_a', 'A');
        INSERT INTO member (id, organization_id, user_id, role) VALUES ('m1', 'org_a', 'u_member', 'owner');
        INSERT INTO audit_log (org_id, actor_id, action, target_id) VALUES ('org_a', 'u_removed', 'member.add', 'u_removed'), ('org_a', 'u_member', 'member.remove', 'u_removed');
      `);
      await apply(db, migration);
      const rows = await db.query(`SELECT user_id, org_id FROM opening_grants ORDER BY user_id`);
      expect(rows.rows).toEqual([
        { user_id: "u_member", org_id: null },
        { user_id: "u_removed", org_id: null },
      ]);
    } finally {
      await db.close();
    }
  });
});
