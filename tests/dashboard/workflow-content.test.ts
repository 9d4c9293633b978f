import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { getWorkflow } from "@/db/queries/workflows";
import { createWorkflowAction } from "@/app/dashboard/workflows/actions";
import { restoreVersionAction, saveDraftAction } from "@/app/dashboard/workflows/[id]/actions";
import { AppError } from "@/lib/errors";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { draftDiffers } from "@/lib/workflows/draft-changes";
import { publishVersion } from "@/lib/workflows/publish-version";
import { updateDraft } from "@/lib/workflows/update-draft";
import { getWorkflowVersion } from "@/db/queries/workflows";
import { createDashboardOrg } from "../support/dashboard-org";

// One workflow-content schema: whichever way content arrives (create, the draft update in lib,
// the dashboard's save action), the same limits apply and a breach is a 400 invalid_request.

let o: Awaited<ReturnType<typeof createDashboardOrg>>;
let workflowId: string;
beforeAll(async () => {
  o = await createDashboardOrg();
  workflowId = (await createWorkflow({ orgId: o.orgId, name: "W", template: "Write {{story}}", model: "offline:echo" })).workflow_id;
});

const tooMuch = {
  "a variable description over 500 characters": { variables: [{ name: "story", description: "d".repeat(501) }] },
  "a variable example over 2,000 characters": { variables: [{ name: "story", example: "e".repeat(2001) }] },
  "more than 100 variables": { variables: Array.from({ length: 101 }, (_, i) => ({ name: `v${i}` })) },
  "an empty variable name": { variables: [{ name: "" }] },
  "a temperature above 2": { temperature: 2.5 },
  "a fractional max output tokens": { maxOutputTokens: 10.5 },
};

describe("the same content limits everywhere", () => {
  for (const [what, patch] of Object.entries(tooMuch)) {
    it(`${what}: refused by create, by the draft update and by the save action`, async () => {
      const created = createWorkflow({ orgId: o.orgId, name: "X", template: "Write {{story}}", ...patch });
      await expect(created).rejects.toBeInstanceOf(AppError);
      await expect(created).rejects.toMatchObject({ code: "invalid_request" });
      const updated = updateDraft({ orgId: o.orgId, workflowId, patch });
      await expect(updated).rejects.toBeInstanceOf(AppError);
      await expect(updated).rejects.toMatchObject({ code: "invalid_request" });
      const saved = await saveDraftAction.run(o.users.admin, { orgId: o.orgId, workflowId, patch });
      expect(saved).toMatchObject({ ok: false, error: { code: "invalid_request" } });
      // Nothing was written: the draft still has its own variables.
      const row = await getWorkflow(await getDb(), { orgId: o.orgId, workflowId });
      expect(row!.variables).toEqual([{ name: "story" }]);
    });
  }

  it("the create action takes a name and template under the same limits", async () => {
    const res = await createWorkflowAction.run(o.users.admin, { orgId: o.orgId, name: "  ", template: "Hi {{x}}" });
    expect(res).toMatchObject({ ok: false, error: { code: "invalid_request" } });
    const long = await createWorkflowAction.run(o.users.admin, { orgId: o.orgId, name: "N", template: "x".repeat(100_001) });
    expect(long).toMatchObject({ ok: false, error: { code: "invalid_request" } });
  });
});

describe("one content copy (publish, restore, draft comparison)", () => {
  it("a published version holds the draft's content; changing any content field is a change since publish; restoring undoes it", async () => {
    const { workflow_id: id } = await createWorkflow({
      orgId: o.orgId,
      name: "C",
      template: "Write {{story}}",
      system: "Be {{tone}}",
      model: "offline:echo",
      temperature: 0.3,
      maxOutputTokens: 77,
      webSearch: true,
      variables: [{ name: "story", description: "what about", example: "a fox" }, { name: "tone" }],
    });
    await publishVersion({ orgId: o.orgId, workflowId: id });
    const db = await getDb();
    const v1 = (await getWorkflowVersion(db, { orgId: o.orgId, workflowId: id, version: 1 }))!;
    expect(v1).toMatchObject({
      template: "Write {{story}}",
      system: "Be {{tone}}",
      model: "offline:echo",
      temperature: expect.closeTo(0.3, 5),
      maxOutputTokens: 77,
      webSearch: true,
      variables: [{ name: "story", description: "what about", example: "a fox" }, { name: "tone" }],
    });
    expect(draftDiffers((await getWorkflow(db, { orgId: o.orgId, workflowId: id }))!, v1)).toBe(false);

    const edits = [
      { system: "Be {{tone}}!" },
      { template: "Write {{story}}." },
      { model: "offline:other" },
      { temperature: null },
      { maxOutputTokens: 78 },
      { webSearch: false },
      { variables: [{ name: "story", description: "what about", example: "a cat" }, { name: "tone" }] },
    ];
    for (const patch of edits) {
      await updateDraft({ orgId: o.orgId, workflowId: id, patch });
      expect(draftDiffers((await getWorkflow(db, { orgId: o.orgId, workflowId: id }))!, v1), JSON.stringify(patch)).toBe(true);
      expect(await restoreVersionAction.run(o.users.admin, { orgId: o.orgId, workflowId: id, version: 1 })).toMatchObject({ ok: true });
      expect(draftDiffers((await getWorkflow(db, { orgId: o.orgId, workflowId: id }))!, v1), JSON.stringify(patch)).toBe(false);
    }
    // Name and description are not version content: renaming is no change since publish.
    await updateDraft({ orgId: o.orgId, workflowId: id, patch: { name: "Renamed", description: "new" } });
    expect(draftDiffers((await getWorkflow(db, { orgId: o.orgId, workflowId: id }))!, v1)).toBe(false);
  });
});
