import { describe, expect, it } from "vitest";
import { unpublishWorkflow } from "@/lib/workflows/publish-version";
import { parseSplitSpec, splitLabel } from "@/lib/workflows/split-label";
import { archiveWorkflow } from "@/lib/workflows/update-draft";
import { moveLabel } from "@/lib/workflows/move-label";
import { createVersionedFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";

// A stream token runs the version its key fixed when minting it (README, "Scoped keys and
// tokens"): the browser holding it cannot pick its own A/B arm by naming a version — ?version=,
// ?label=, `model: wf_…@2` or `prompt.version` — on the stream API or the OpenAI surface. And
// unpublish means what the README's "Labels and pins" says: unpinned calls get 404, pins keep
// running until the workflow is archived.

const TOKEN_FIXED = (minted: string) =>
  `This stream token runs ${minted}: it cannot choose another version (mint it with ?version= or ?label=)`;

/** Versions 1..n ("vN x" names the one that ran), production split 99/1 between v1 and v2. */
async function abTest(n = 2) {
  const f = await createVersionedFixture(n);
  await moveLabel({ orgId: f.orgId, workflowId: f.workflowId, label: "production", version: 1, actorId: null });
  await splitLabel({ orgId: f.orgId, workflowId: f.workflowId, label: "production", weights: parseSplitSpec("1:99,2:1"), actorId: null });
  const mint = async (q = "") => {
    const res = await apiRequest(`/api/v1/token?user=alice${q}`, { key: f.key });
    const body = await res.json();
    return { status: res.status, body, token: body.token as string };
  };
  const answer = async (res: Response) => {
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {}
    const result =
      typeof body === "string"
        ? body
        : (body as {
            result?: string;
            choices?: Array<{ message: { content: string } }>;
            output_text?: string;
            output?: Array<{ content: Array<{ text: string }> }>;
          });
    const out =
      typeof result === "string" ? result : (result.result ?? result.choices?.[0]?.message.content ?? result.output?.[0]?.content[0]?.text);
    return { status: res.status, body, version: /^v(\d+) /.exec(out ?? "")?.[1] };
  };
  const stream = async (credential: { token: string } | { key: string }, q = "") =>
    answer(
      await apiRequest(`/api/v1/run/${f.workflowId}/stream?protocol=text${"token" in credential ? `&token=${credential.token}` : ""}${q}`, {
        method: "POST",
        json: { story: "x" },
        ...("key" in credential ? { key: credential.key } : {}),
      }),
    );
  const chat = async (key: string, model: string) =>
    answer(
      await apiRequest("/api/v1/openai/chat/completions", {
        method: "POST",
        key,
        json: { model, messages: [], variables: { story: "x" } },
      }),
    );
  const responses = async (key: string, version?: string) =>
    answer(
      await apiRequest("/api/v1/openai/responses", {
        method: "POST",
        key,
        json: { prompt: { id: f.workflowId, ...(version ? { version } : {}), variables: { story: "x" } } },
      }),
    );
  return { ...f, mint, stream, chat, responses };
}

describe("a stream token's version is fixed at mint", () => {
  it("minted without a pin: every way of naming a version is a 403 (stream API, chat completions, responses); unpinned it runs its split arm", async () => {
    const f = await abTest(3);
    const wf = f.workflowId;
    const refused = { status: 403, body: { success: false, code: "forbidden", error: TOKEN_FIXED("what unpinned calls run") } };
    expect(await f.stream(await f.mint(), "&version=2")).toMatchObject(refused);
    expect(await f.stream(await f.mint(), "&label=latest")).toMatchObject(refused);
    expect(await f.stream(await f.mint(), "&label=production")).toMatchObject(refused);
    const openaiRefused = (param: string) => ({
      status: 403,
      body: { error: { message: TOKEN_FIXED("what unpinned calls run"), code: "forbidden", param } },
    });
    expect(await f.chat((await f.mint()).token, `${wf}@2`)).toMatchObject(openaiRefused("model"));
    expect(await f.chat((await f.mint()).token, `${wf}@latest`)).toMatchObject(openaiRefused("model"));
    expect(await f.responses((await f.mint()).token, "2")).toMatchObject(openaiRefused("prompt.id"));
    // Unpinned, alice runs her arm of the 99/1 split, on every surface.
    const arm = (await f.stream(await f.mint())).version;
    expect(["1", "2"]).toContain(arm);
    expect((await f.chat((await f.mint()).token, wf)).version).toBe(arm);
    expect((await f.responses((await f.mint()).token)).version).toBe(arm);
    // The key itself (a server) still pins freely.
    expect((await f.stream({ key: f.key }, "&version=2")).version).toBe("2");
    expect((await f.chat(f.key, `${wf}@3`)).version).toBe("3");
  });

  it("minted with a version or a label: runs exactly that, and nothing else", async () => {
    const f = await abTest(3);
    const wf = f.workflowId;
    await moveLabel({ orgId: f.orgId, workflowId: wf, label: "staging", version: 3, actorId: null });
    const v2 = `&workflow_id=${wf}&version=2`;
    expect((await f.mint(v2)).body).toMatchObject({ success: true, workflow_id: wf, version: 2 });
    expect((await f.stream(await f.mint(v2))).version).toBe("2");
    expect((await f.stream(await f.mint(v2), "&version=2")).version).toBe("2");
    expect(await f.stream(await f.mint(v2), "&version=1")).toMatchObject({ status: 403, body: { error: TOKEN_FIXED("version 2") } });
    expect(await f.stream(await f.mint(v2), "&label=staging")).toMatchObject({ status: 403, body: { code: "forbidden" } });
    expect((await f.chat((await f.mint(v2)).token, wf)).version).toBe("2");
    expect((await f.chat((await f.mint(v2)).token, `${wf}@2`)).version).toBe("2");
    expect((await f.chat((await f.mint(v2)).token, `${wf}@3`)).status).toBe(403);
    expect((await f.responses((await f.mint(v2)).token)).version).toBe("2");
    expect((await f.responses((await f.mint(v2)).token, "1")).status).toBe(403);

    expect((await f.mint("&label=staging")).body).toMatchObject({ success: true, label: "staging" });
    expect((await f.stream(await f.mint("&label=staging"))).version).toBe("3");
    expect((await f.responses((await f.mint("&label=staging")).token, "staging")).version).toBe("3");
    expect(await f.stream(await f.mint("&label=staging"), "&label=production")).toMatchObject({
      status: 403,
      body: { error: TOKEN_FIXED("label staging") },
    });
    // The label is followed where it points when the request arrives.
    await moveLabel({ orgId: f.orgId, workflowId: wf, label: "staging", version: 1, actorId: null });
    expect((await f.stream(await f.mint("&label=staging"))).version).toBe("1");
  });

  it("minting refuses a pin it cannot keep", async () => {
    const f = await abTest();
    expect(await f.mint("&version=2")).toMatchObject({
      status: 400,
      body: { code: "invalid_request", error: "version needs workflow_id: a version number belongs to one workflow" },
    });
    expect(await f.mint(`&workflow_id=${f.workflowId}&version=2&label=staging`)).toMatchObject({
      status: 400,
      body: { error: "Pin with either version or label, not both" },
    });
    expect(await f.mint("&label=Staging")).toMatchObject({
      status: 400,
      body: { error: "label must match ^[a-z][a-z0-9_-]{0,39}$ (e.g. production, staging)" },
    });
    expect(await f.mint(`&workflow_id=${f.workflowId}&version=0`)).toMatchObject({
      status: 400,
      body: { error: "version must be a positive integer (a published version number)" },
    });
  });
});

describe("unpublish, as README 'Labels and pins' defines it", () => {
  it("unpinned calls get 404 on every surface; pins (a version, latest, a label) keep running until the workflow is archived", async () => {
    const f = await abTest(2);
    const wf = f.workflowId;
    await unpublishWorkflow({ orgId: f.orgId, workflowId: wf });
    const run = (q = "") => apiRequest(`/api/v1/run/${wf}${q}`, { method: "POST", key: f.key, json: { story: "x" } }).then((r) => r.status);
    expect(await run()).toBe(404);
    expect((await f.stream({ key: f.key })).status).toBe(404);
    expect((await f.stream(await f.mint())).status).toBe(404);
    expect((await f.chat(f.key, wf)).status).toBe(404);
    expect((await f.responses(f.key)).status).toBe(404);
    // Pins name published versions, which unpublishing does not withdraw.
    expect(await run("?version=1")).toBe(200);
    expect(await run("?label=latest")).toBe(200);
    expect((await f.stream({ key: f.key }, "&version=2")).version).toBe("2");
    expect((await f.chat(f.key, `${wf}@latest`)).version).toBe("2");
    expect((await f.responses(f.key, "1")).version).toBe("1");
    expect((await f.stream(await f.mint(`&workflow_id=${wf}&version=1`))).version).toBe("1");
    // Archiving takes it off the API, pins included.
    await archiveWorkflow({ orgId: f.orgId, workflowId: wf });
    expect(await run("?version=1")).toBe(404);
    expect(await run("?label=latest")).toBe(404);
    expect((await f.chat(f.key, `${wf}@1`)).status).toBe(404);
    expect((await f.responses(f.key, "latest")).status).toBe(404);
    expect((await f.stream(await f.mint(`&workflow_id=${wf}&version=1`))).status).toBe(404);
  });
});
