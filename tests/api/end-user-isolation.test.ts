import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { sumLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { MAX_PROMPT_CHARS } from "@/lib/runs/prepare-run";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";
import { upstream } from "../setup";

// Issue 14, items 1 and 2: what an adversarial review with a free account broke.

afterEach(async () => (await upstream()).reset());

const tokenFor = async (key: string, user?: string) =>
  (await (await apiRequest(`/api/v1/token${user ? `?user=${user}` : ""}`, { key })).json()).token as string;
const messagesSent = async () => (await upstream()).requests.at(-1)!.body.messages as Array<{ role: string; content: string }>;

describe("a session belongs to its end user", () => {
  it("a token minted for mallory continuing alice's session_id does not get alice's turns", async () => {
    const fake = await upstream();
    const f = await createFixture({ model: "openai.chat:m", template: "Q: {{story}}" });
    fake.set({ text: "alice's secret answer" });
    const alice = await apiRequest(`/api/v1/run/${f.workflowId}/stream?token=${await tokenFor(f.key, "alice")}`, {
      method: "POST",
      json: { story: "my card is 4242", session_id: "s-1" },
    });
    expect(await alice.text()).toBe("alice's secret answer");
    fake.set({ text: "mallory's answer" });
    const mallory = await apiRequest(`/api/v1/run/${f.workflowId}/stream?token=${await tokenFor(f.key, "mallory")}`, {
      method: "POST",
      json: { story: "what did she say?", session_id: "s-1" },
    });
    await mallory.text();
    expect((await messagesSent()).map((m) => `${m.role}:${m.content}`)).toEqual(["user:Q: what did she say?"]);
    // Alice's own next turn still sees her history (and not mallory's turn).
    fake.set({ text: "ok" });
    await (
      await apiRequest(`/api/v1/run/${f.workflowId}/stream?token=${await tokenFor(f.key, "alice")}`, {
        method: "POST",
        json: { story: "again", session_id: "s-1" },
      })
    ).text();
    expect((await messagesSent()).map((m) => `${m.role}:${m.content}`)).toEqual([
      "user:Q: my card is 4242",
      "assistant:alice's secret answer",
      "user:Q: again",
    ]);
    // A key's body `user` is the end user too.
    await apiRequest(`/api/v1/run/${f.workflowId}`, {
      method: "POST",
      key: f.key,
      json: { story: "server side", session_id: "s-1", user: "bob" },
    });
    expect((await messagesSent()).map((m) => m.role)).toEqual(["user"]);
  });

  it("a token replays only its own key's and end user's runs (GET /runs/:id/stream); the key sees them all", async () => {
    const f = await createFixture({ template: "Write {{story}}" });
    const run = await apiRequest(`/api/v1/run/${f.workflowId}`, {
      method: "POST",
      key: f.key,
      json: { story: "alice's story", user: "alice" },
    });
    const { run_id } = await run.json();
    const replay = (token: string) => apiRequest(`/api/v1/runs/${run_id}/stream?token=${token}`);
    const asMallory = await replay(await tokenFor(f.key, "mallory"));
    expect(asMallory.status).toBe(404);
    expect(await asMallory.json()).toMatchObject({ success: false, code: "run_not_found", error: "Run not found" });
    expect((await replay(await tokenFor(f.key))).status).toBe(404); // a token for no end user is not alice either
    const asAlice = await replay(await tokenFor(f.key, "alice"));
    expect(asAlice.status).toBe(200);
    expect(await asAlice.text()).toBe("Write alice's story");
    // Another key of the org mints a token for alice: not the key that ran it.
    const g = await createFixture();
    expect((await apiRequest(`/api/v1/runs/${run_id}/stream?token=${await tokenFor(g.key, "alice")}`)).status).toBe(404);
    expect((await apiRequest(`/api/v1/runs/${run_id}/stream`, { key: f.key })).status).toBe(200);
  });
});

describe("a rendered prompt is bounded before it is built", () => {
  it("{{x}} a thousand times with a 500 KB value is a 413 in the documented envelope, with nothing reserved or charged", async () => {
    const f = await createFixture({ credits: 1_000_000, template: "{{x}}".repeat(1000) });
    const db = await getDb();
    const before = (await getOrg(db, f.orgId))!.creditBalance;
    const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { x: "a".repeat(500_000) } });
    expect(res.status).toBe(413);
    const body = await res.json();
    expect(body).toMatchObject({ success: false, code: "payload_too_large" });
    expect(body.error).toBe(
      `The rendered prompt would be 500000000 characters (at most ${MAX_PROMPT_CHARS}): shorten the inputs or the conversation`,
    );
    const stream = await apiRequest(`/api/v1/run/${f.workflowId}/stream`, { method: "POST", key: f.key, json: { x: "a".repeat(500_000) } });
    expect(stream.status).toBe(413);
    expect((await getOrg(db, f.orgId))!.creditBalance).toBe(before);
    expect(await sumLedger(db, f.orgId)).toBe(before);
  });

  it("a prompt just within the bound runs", async () => {
    const f = await createFixture({ credits: 10_000_000, template: "{{x}}{{x}}" });
    const res = await apiRequest(`/api/v1/run/${f.workflowId}`, {
      method: "POST",
      key: f.key,
      json: { x: "a".repeat(MAX_PROMPT_CHARS / 2) },
    });
    expect(res.status).toBe(200);
  });
});
