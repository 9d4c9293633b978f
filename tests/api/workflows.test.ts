import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { workflows } from "@/db/schema";
import { publishVersion } from "@/lib/workflows/publish-version";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";

describe("GET /api/v1/workflows/:id", () => {
  it("describes the published version: variables (with authored metadata), model, version; 404 across orgs", async () => {
    const f = await createFixture({
      template: "Write {{story}} for {{ audience }}",
      system: "Tone: {{tone}}",
      variables: [{ name: "story", description: "What the story is about", example: "a dog named charlie" }],
    });
    const other = await createFixture();
    const res = await apiRequest(`/api/v1/workflows/${f.workflowId}`, { key: f.key });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      success: true,
      workflow_id: f.workflowId,
      name: "Test workflow",
      version: 1,
      model: { id: "offline:echo", offline: true },
      variables: [
        { name: "story", required: true, description: "What the story is about", example: "a dog named charlie" },
        { name: "audience", required: true, description: null, example: null },
        { name: "tone", required: true, description: null, example: null },
      ],
    });
    const cross = await apiRequest(`/api/v1/workflows/${f.workflowId}`, { key: other.key });
    expect(cross.status).toBe(404);
    expect(await cross.json()).toMatchObject({ error: "Workflow not found", code: "workflow_not_found" });
  });
});

describe("pinned versions: ?version=N", () => {
  it("runs exactly the pinned version while newer ones are published", async () => {
    const f = await createFixture({ template: "v1 {{story}}" });
    const db = await getDb();
    await db.update(workflows).set({ template: "v2 {{story}}" }).where(eq(workflows.id, f.workflowId));
    await publishVersion({ orgId: f.orgId, workflowId: f.workflowId });
    const run = (q: string) => apiRequest(`/api/v1/run/${f.workflowId}${q}`, { method: "POST", key: f.key, json: { story: "x" } });
    expect((await (await run("")).json()).result).toBe("v2 x");
    expect((await (await run("?version=1")).json()).result).toBe("v1 x");
    const stream = await apiRequest(`/api/v1/run/${f.workflowId}/stream?version=1`, { method: "POST", key: f.key, json: { story: "y" } });
    expect(await stream.text()).toBe("v1 y");
    expect((await run("?version=9")).status).toBe(404);
    const bad = await run("?version=0");
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: "invalid_request" });
  });
});
