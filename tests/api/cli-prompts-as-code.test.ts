import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { listWorkflowVersions } from "@/db/queries/workflows";
import { createApiKey } from "@/lib/auth/api-keys";
import { createEvalCase } from "@/lib/evals/cases";
import { startQueue } from "@/lib/server/start-queue";
import { stopJobWorker } from "@/lib/queue/worker";
import { createFixture } from "../support/fixtures";
import { serveRoutes } from "../support/serve";

// The prompts-as-code CLI (bin/flowgate.mjs, docs/ci.md) against a running server, in a temporary
// git repository: pull → edit → diff → push → eval --wait → push --publish.

const run = promisify(execFile);
const CLI = path.resolve("bin/flowgate.mjs");
let server: Awaited<ReturnType<typeof serveRoutes>>;

beforeAll(async () => {
  server = await serveRoutes();
  startQueue();
});
afterAll(async () => {
  stopJobWorker();
  await server.close();
});

describe("flowgate CLI", () => {
  it("pull, edit, diff, push, eval --wait (exit 1 on a failing case, 0 once fixed), push --publish", async () => {
    const f = await createFixture({ template: "Write {{story}}" });
    const admin = await createApiKey({ orgId: f.orgId, name: "ci", scopes: ["admin"] });
    await createEvalCase({
      orgId: f.orgId,
      workflowId: f.workflowId,
      input: { name: "polite", inputs: { story: "a dog" }, expectations: [{ type: "contains", value: "Please" }] },
    });
    const repo = mkdtempSync(path.join(tmpdir(), "flowgate-cli-"));
    await run("git", ["init", "-q"], { cwd: repo });
    const env = { ...process.env, FLOWGATE_URL: server.url, FLOWGATE_API_KEY: admin.key };
    const cli = async (...args: string[]) => {
      try {
        const { stdout } = await run(process.execPath, [CLI, ...args], { cwd: repo, env });
        return { code: 0, stdout };
      } catch (e) {
        const err = e as { code: number; stdout: string; stderr: string };
        return { code: err.code, stdout: err.stdout + err.stderr };
      }
    };

    const pulled = await cli("pull");
    expect(pulled).toMatchObject({ code: 0, stdout: expect.stringContaining(`pulled ${f.workflowId}`) });
    const file = path.join(repo, "prompts", `${f.workflowId}.json`);
    const doc = JSON.parse(readFileSync(file, "utf8"));
    expect(doc).toMatchObject({ format: "flowgate.workflow.v1", draft: { template: "Write {{story}}" } });
    await run("git", ["add", "."], { cwd: repo });
    expect((await cli("diff")).stdout).toContain("no changes");

    // The eval of the current draft fails: the case wants "Please".
    expect(await cli("eval", "--wait")).toMatchObject({ code: 1, stdout: expect.stringContaining('✗ polite: does not contain "Please"') });

    doc.draft.template = "Please write {{story}}";
    writeFileSync(file, JSON.stringify(doc, null, 2));
    const d = await cli("diff", "--exit-code");
    expect(d.code).toBe(1);
    expect(d.stdout).toContain('template: "Write {{story}}" → "Please write {{story}}"');

    expect(await cli("push")).toMatchObject({ code: 0, stdout: expect.stringContaining(`pushed ${f.workflowId}: template`) });
    expect((await cli("diff")).stdout).toContain("no changes");
    const passing = await cli("eval", "--wait");
    expect(passing).toMatchObject({ code: 0, stdout: expect.stringContaining("draft: completed, 1/1 passed") });

    const versionsBefore = (await listWorkflowVersions(await getDb(), { orgId: f.orgId, workflowId: f.workflowId })).length;
    expect(await cli("push", "--publish", "--note", "from CI")).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/published wf_\w+ as v2/),
    });
    // Nothing new to publish: a second run (a CI retry) publishes nothing.
    expect(await cli("push", "--publish", "--note", "from CI")).toMatchObject({
      code: 0,
      stdout: expect.stringContaining("v2 already has this content"),
    });
    const versions = await listWorkflowVersions(await getDb(), { orgId: f.orgId, workflowId: f.workflowId });
    expect(versions).toHaveLength(versionsBefore + 1);
  }, 180_000); // a dozen CLI processes, each a Node start, on a shared machine

  it("refuses without a key, and a run-scope key is refused by the server", async () => {
    const f = await createFixture();
    const repo = mkdtempSync(path.join(tmpdir(), "flowgate-cli-"));
    const noKey = await run(process.execPath, [CLI, "pull"], {
      cwd: repo,
      env: { ...process.env, FLOWGATE_URL: server.url, FLOWGATE_API_KEY: "" },
    }).catch((e) => e);
    expect(noKey).toMatchObject({ code: 2, stderr: expect.stringContaining("FLOWGATE_API_KEY is not set") });
    const runKey = await run(process.execPath, [CLI, "pull"], {
      cwd: repo,
      env: { ...process.env, FLOWGATE_URL: server.url, FLOWGATE_API_KEY: f.key },
    }).catch((e) => e);
    expect(runKey).toMatchObject({ code: 2, stderr: expect.stringContaining("GET /api/v1/workflows: 403") });
  }, 60_000);
});
