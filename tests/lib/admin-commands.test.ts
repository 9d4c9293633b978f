import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { auditLog } from "@/db/schema";
import { runAdminCommand } from "@/lib/admin/run-admin-command";
import { toolSigningSecrets } from "@/lib/tools/signing-secret";
import { eq } from "drizzle-orm";

// The operator CLI's commands (`npm run admin`, scripts/admin.ts prints each result as one JSON
// object), called in-process on the test database. tests/lib/admin-cli.test.ts runs the real CLI
// in a child process for what only a process shows: its stdout, exit code and data directory lock.
const admin = async (...argv: string[]) => JSON.parse(JSON.stringify(await runAdminCommand(argv)));

describe("admin commands", () => {
  it("create an org, a key and a published workflow; grant credits, move a label, unpublish", async () => {
    const org = await admin("org", "create", "--name", "Acme", "--credits", "100000");
    expect(org.org_id).toMatch(/^org_[a-z0-9]{24}$/);
    const key = await admin("key", "create", "--org", org.org_id);
    expect(key.key).toMatch(/^sk_[a-z0-9]{32}$/);
    const wf = await admin("workflow", "create", "--org", org.org_id, "--name", "Story", "--template", "Write {{story}}", "--publish");
    expect(wf).toMatchObject({ variables: ["story"], version: 1 });
    expect(wf.workflow_id).toMatch(/^wf_[a-z0-9]{24}$/);
    const grant = await admin("credits", "grant", "--org", org.org_id, "--amount", "5", "--reason", "test grant");
    expect(grant.balance).toBe(100005);
    const moved = await admin("label", "move", "--org", org.org_id, "--workflow", wf.workflow_id, "--label", "staging", "--version", "1");
    expect(moved).toMatchObject({ workflow_id: wf.workflow_id, moved: true, to: 1 });
    const off = await admin("workflow", "unpublish", "--org", org.org_id, "--workflow", wf.workflow_id);
    expect(off).toMatchObject({ workflow_id: wf.workflow_id, published: false });
  });

  it("answers a bad command, or a missing option, with the usage", async () => {
    await expect(runAdminCommand(["org", "explode"])).rejects.toMatchObject({
      code: "invalid_request",
      message: expect.stringMatching(/^Unknown command "org explode"\nUsage: npm run admin/),
    });
    await expect(runAdminCommand(["org", "create"])).rejects.toMatchObject({
      message: expect.stringMatching(/^--name is required\nUsage: npm run admin/),
    });
    await expect(runAdminCommand(["org", "create", "--name", "X", "--credits", "lots"])).rejects.toMatchObject({
      message: "--credits must be an integer",
    });
  });

  it("show and rotate the org's tool signing secret: calls are then signed by both, the rotation audited", async () => {
    const org = await admin("org", "create", "--name", "Tools");
    const first = await admin("tools", "signing-secret", "show", "--org", org.org_id);
    expect(first.secret).toMatch(/^whsec_/);
    expect((await admin("tools", "signing-secret", "show", "--org", org.org_id)).secret).toBe(first.secret);
    const rotated = await admin("tools", "signing-secret", "rotate", "--org", org.org_id);
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(first.secret);
    expect(Date.parse(rotated.previous_valid_until) - Date.now()).toBeGreaterThan(23 * 3_600_000);
    expect((await admin("tools", "signing-secret", "show", "--org", org.org_id)).secret).toBe(rotated.secret);
    // What an HTTP tool call is signed with now: the new secret first, the old one beside it
    // (the signatures themselves: tests/api/server-tools.test.ts).
    expect(await toolSigningSecrets(org.org_id)).toEqual([rotated.secret, first.secret]);
    const audit = await (await getDb()).select().from(auditLog).where(eq(auditLog.orgId, org.org_id));
    expect(audit.map((a) => a.action)).toContain("tools.signing_secret_rotate");
    await expect(runAdminCommand(["tools", "signing-secret", "rotate"])).rejects.toMatchObject({
      message: expect.stringMatching(/^--org is required\nUsage/),
    });
    await expect(runAdminCommand(["tools", "signing-secret", "rotate", "--org", "org_missing"])).rejects.toMatchObject({
      code: "not_found",
    });
  });
});
