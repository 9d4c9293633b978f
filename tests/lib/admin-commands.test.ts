import { describe, expect, it } from "vitest";
import { runAdminCommand } from "@/lib/admin/run-admin-command";

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
});
