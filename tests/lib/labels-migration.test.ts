import { PGlite } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { applyMigration as apply, migrationFiles } from "../support/migrations";

// Migration 0003 on a database that predates labels: applied to a private in-memory PGlite after
// 0000–0002 and some data, the way an existing installation meets it at server start.

describe("migration 0003 (labels, audit): backfill", () => {
  it("gives published workflows production (the published version) and latest (the highest), with history", async () => {
    const files = migrationFiles();
    const db = new PGlite();
    try {
      for (const f of files.filter((f) => f < "0003")) await apply(db, f);
      await db.exec(`
        INSERT INTO orgs (id, name) VALUES ('org_a', 'A');
        INSERT INTO workflows (id, org_id, name, template, model) VALUES
          ('wf_rolled', 'org_a', 'Rolled back', 't', 'offline:echo'),
          ('wf_draft', 'org_a', 'Unpublished', 't', 'offline:echo');
        INSERT INTO workflow_versions (id, workflow_id, org_id, version, system, template, variables, model, max_output_tokens, web_search) VALUES
          ('wfv_r1', 'wf_rolled', 'org_a', 1, '', 't1', '[]', 'offline:echo', 10, false),
          ('wfv_r2', 'wf_rolled', 'org_a', 2, '', 't2', '[]', 'offline:echo', 10, false),
          ('wfv_d1', 'wf_draft', 'org_a', 1, '', 't1', '[]', 'offline:echo', 10, false);
        UPDATE workflows SET published_version_id = 'wfv_r1' WHERE id = 'wf_rolled';
      `);
      await apply(
        db,
        files.find((f) => f.startsWith("0003"))!,
      );
      const labels = await db.query(`SELECT workflow_id, name, version_id FROM workflow_labels ORDER BY workflow_id, name`);
      expect(labels.rows).toEqual([
        { workflow_id: "wf_rolled", name: "latest", version_id: "wfv_r2" },
        { workflow_id: "wf_rolled", name: "production", version_id: "wfv_r1" },
      ]);
      const history = await db.query(`SELECT label, from_version, to_version, actor_id FROM workflow_label_history ORDER BY id`);
      expect(history.rows).toEqual([
        { label: "latest", from_version: null, to_version: 2, actor_id: null },
        { label: "production", from_version: null, to_version: 1, actor_id: null },
      ]);
    } finally {
      await db.close();
    }
  });
});
