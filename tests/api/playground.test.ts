import { callCompletionApi } from "ai";
import { signUpWithOrg } from "../support/auth-requests";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { getOrg } from "@/db/queries/orgs";
import { getRun } from "@/db/queries/runs";
import { ORG_HEADER } from "@/lib/auth/user-principal";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { updateDraft } from "@/lib/workflows/update-draft";
import { serveRoutes } from "../support/serve";

// The playground: a signed-in member runs the saved *draft* with no API key, through the same
// stream pipeline; the run is recorded as source "playground", has no version, and is charged.

let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes();
});
afterAll(() => server.close());

const url = (wf: string) => `${server.url}/api/playground/${wf}`;

describe("POST /api/playground/:id", () => {
  it("streams the unpublished draft for a signed-in member, records a playground run and charges it", async () => {
    const me = await signUpWithOrg();
    const wf = await createWorkflow({
      orgId: me.orgId,
      name: "Draft only",
      template: "Published {{story}}",
      model: "offline:echo",
      publish: true,
    });
    // The draft moves on after publishing: the playground runs the draft, not the published version.
    await updateDraft({ orgId: me.orgId, workflowId: wf.workflow_id, patch: { template: "Draft says {{story}}" } });
    const before = (await getOrg(await getDb(), me.orgId))!.creditBalance;

    let runId: string | null = null;
    const text = await callCompletionApi({
      api: url(wf.workflow_id),
      prompt: "",
      body: { story: "a fox" },
      streamProtocol: "text",
      credentials: undefined,
      headers: { cookie: me.cookie, [ORG_HEADER]: me.orgId },
      setCompletion: () => {},
      setLoading: () => {},
      setError: (e) => {
        if (e) throw e;
      },
      setAbortController: () => {},
      onFinish: () => {},
      onError: (e) => {
        throw e;
      },
      fetch: async (input, init) => {
        const res = await fetch(input, init);
        runId = res.headers.get("x-run-id");
        return res;
      },
    });
    expect(text).toContain("Draft says a fox");
    expect(runId).toMatch(/^run_/);
    const run = (await getRun(await getDb(), { orgId: me.orgId, runId: runId! }))!;
    expect(run).toMatchObject({ source: "playground", status: "completed", versionId: null, apiKeyId: null });
    expect(run.creditsCharged).toBeGreaterThan(0);
    expect((await getOrg(await getDb(), me.orgId))!.creditBalance).toBe(before - run.creditsCharged);
  });

  it("no session → 401; another org's workflow or an org the user is not in → 404; cross-site → 403; draft errors are the seed's", async () => {
    const me = await signUpWithOrg();
    const other = await signUpWithOrg();
    const mine = await createWorkflow({ orgId: me.orgId, name: "Mine", template: "Hi {{x}}", model: "offline:echo" });
    const theirs = await createWorkflow({ orgId: other.orgId, name: "Theirs", template: "Hi {{x}}", model: "offline:echo" });
    const post = (wf: string, headers: Record<string, string>, body: unknown = { x: "1" }) =>
      fetch(url(wf), { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

    const anon = await post(mine.workflow_id, {});
    expect(anon.status).toBe(401);
    expect(await anon.json()).toMatchObject({ success: false, code: "unauthorized" });
    const forged = await post(mine.workflow_id, { cookie: "better-auth.session_token=forged.value" });
    expect(forged.status).toBe(401);

    const cross = await post(theirs.workflow_id, { cookie: me.cookie, [ORG_HEADER]: me.orgId });
    expect(cross.status).toBe(404);
    expect(await cross.json()).toMatchObject({ success: false, error: "Workflow not found" });
    const notMember = await post(theirs.workflow_id, { cookie: me.cookie, [ORG_HEADER]: other.orgId });
    expect(notMember.status).toBe(404);

    const evil = await post(mine.workflow_id, { cookie: me.cookie, [ORG_HEADER]: me.orgId, origin: "https://evil.example" });
    expect(evil.status).toBe(403);
    expect(await evil.json()).toMatchObject({ success: false, code: "forbidden" });

    const missing = await post(mine.workflow_id, { cookie: me.cookie, [ORG_HEADER]: me.orgId }, {});
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ success: false, error: "Missing required parameter: x", code: "invalid_request" });
  });
});
