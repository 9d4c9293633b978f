import { createParser, type EventSourceMessage } from "eventsource-parser";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { sumLedger } from "@/db/queries/credits";
import { requestRunCancel } from "@/db/queries/runs";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";
import { serveRoutes } from "../support/serve";
import { upstream } from "../setup";

let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes();
});
afterAll(() => server.close());
afterEach(async () => (await upstream()).reset());

const run = (f: { workflowId: string; key: string }, json: object = { story: "x" }) =>
  apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json }).then((r) => r.json());
const getRun = (key: string, id: string) => apiRequest(`/api/v1/runs/${id}`, { key });

async function waitFor<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("GET /api/v1/runs/:id and GET /api/v1/runs", () => {
  it("returns the run as /run reported it; another org's run and odd ids are 404 run_not_found", async () => {
    const f = await createFixture();
    const other = await createFixture();
    const done = await run(f);
    const res = await getRun(f.key, done.run_id);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      success: true,
      run_id: done.run_id,
      status: "completed",
      result: done.result,
      usage: done.usage,
      credits_charged: done.credits_charged,
      workflow_id: f.workflowId,
      source: "api",
      error_code: null,
    });
    for (const [key, id] of [
      [other.key, done.run_id],
      [f.key, "run_" + "0".repeat(24)],
      [f.key, "nope%00"],
    ] as const) {
      const r = await getRun(key, id);
      expect(r.status).toBe(404);
      expect(await r.json()).toMatchObject({ error: "Run not found", success: false, code: "run_not_found" });
    }
  });

  it("lists newest first with keyset pagination and filters", async () => {
    const f = await createFixture();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await run(f)).run_id);
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const body = await (await apiRequest(`/api/v1/runs?limit=2${cursor ? `&cursor=${cursor}` : ""}`, { key: f.key })).json();
      seen.push(...body.runs.map((r: { run_id: string }) => r.run_id));
      cursor = body.next_cursor;
      if (!cursor) break;
    }
    expect(seen).toEqual([...ids].reverse());
    const filtered = await (await apiRequest(`/api/v1/runs?status=failed&workflow_id=${f.workflowId}`, { key: f.key })).json();
    expect(filtered.runs).toEqual([]);
    const bad = await apiRequest("/api/v1/runs?limit=1000", { key: f.key });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ success: false, code: "invalid_request" });
  });
});

describe("POST /api/v1/runs/:id/cancel", () => {
  it("aborts the model call mid-stream, keeps the partial output, bills only that, and ends the SSE stream with done/canceled", async () => {
    const fake = await upstream();
    fake.set({ tokens: 400, tokenDelayMs: 10 });
    const f = await createFixture({ model: "openai.chat:m", credits: 10_000 });
    const closedBefore = fake.closedEarly;
    const res = await fetch(`${server.url}/api/v1/run/${f.workflowId}/stream?protocol=sse`, {
      method: "POST",
      headers: { authorization: `Bearer ${f.key}` },
      body: JSON.stringify({ story: "x" }),
    });
    const runId = res.headers.get("x-run-id")!;
    const events: EventSourceMessage[] = [];
    const parser = createParser({ onEvent: (e) => events.push(e) });
    const reading = (async () => {
      const reader = res.body!.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.feed(new TextDecoder().decode(value));
      }
    })();
    await new Promise((r) => setTimeout(r, 200));
    const cancel = await apiRequest(`/api/v1/runs/${runId}/cancel`, { method: "POST", key: f.key });
    expect(cancel.status).toBe(200);
    const canceled = await cancel.json();
    expect(canceled).toMatchObject({ success: true, run_id: runId, status: "canceled", error_code: "canceled" });
    expect(canceled.usage.output_tokens).toBeGreaterThan(0);
    expect(canceled.usage.output_tokens).toBeLessThan(400);
    expect(canceled.credits_charged).toBe(canceled.usage.total_tokens);
    await reading;
    const done = JSON.parse(events.at(-1)!.data);
    expect(events.at(-1)!.event).toBe("done");
    expect(done).toMatchObject({ status: "canceled", credits_charged: canceled.credits_charged });
    const streamed = events
      .filter((e) => e.event === "chunk")
      .map((e) => JSON.parse(e.data).content)
      .join("");
    expect(canceled.result).toBe(streamed);
    expect(fake.closedEarly).toBe(closedBefore + 1);
    expect(await sumLedger(await getDb(), f.orgId)).toBe(10_000 - canceled.credits_charged);
    // Canceling again: the run is no longer running.
    const again = await apiRequest(`/api/v1/runs/${runId}/cancel`, { method: "POST", key: f.key });
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ success: false, code: "run_not_running", status: "canceled" });
  });

  it("a cancel flagged by another instance reaches the run within a second or two; GET shows the result so far meanwhile", async () => {
    const fake = await upstream();
    fake.set({ tokens: 1000, tokenDelayMs: 10 });
    const f = await createFixture({ model: "openai.chat:m" });
    const pending = run(f);
    const runs = await waitFor(
      () => apiRequest("/api/v1/runs", { key: f.key }).then((r) => r.json()),
      (b) => b.runs.length === 1,
    );
    const runId = runs.runs[0].run_id;
    const midway = await waitFor(
      () => getRun(f.key, runId).then((r) => r.json()),
      (b) => b.result.length > 0,
      4000,
    );
    expect(midway.status).toBe("running");
    expect(midway.result).toMatch(/^tok0 /);
    // As if POST /cancel had landed on another instance: only the database flag is set here.
    await requestRunCancel(await getDb(), { orgId: f.orgId, runId });
    const body = await pending;
    expect(body).toMatchObject({ success: false, code: "internal_server_error", reason: "canceled", run_id: runId });
    const final = await (await getRun(f.key, runId)).json();
    expect(final.status).toBe("canceled");
    expect(final.usage.output_tokens).toBeLessThan(1000);
  });
});

describe("end-user attribution and GET /api/v1/usage", () => {
  it("attributes runs to users (body `user`, or a token minted with ?user=) and the usage sums equal the ledger", async () => {
    const f = await createFixture({ credits: 100_000 });
    await run(f, { story: "a", user: "alice" });
    await run(f, { story: "b c", user: "alice" });
    await run(f, { story: "d", user: "bob" });
    const { token } = await (await apiRequest("/api/v1/token?user=carol", { key: f.key })).json();
    const s = await apiRequest(`/api/v1/run/${f.workflowId}/stream?token=${token}`, { method: "POST", json: { story: "e" } });
    const runId = s.headers.get("x-run-id")!;
    await s.text();
    expect((await (await getRun(f.key, runId)).json()).user).toBe("carol");
    const usage = await (await apiRequest("/api/v1/usage?group_by=user", { key: f.key })).json();
    const byUser = Object.fromEntries(usage.groups.map((g: { user: string; runs: number }) => [g.user, g.runs]));
    expect(byUser).toEqual({ alice: 2, bob: 1, carol: 1 });
    const balance = await sumLedger(await getDb(), f.orgId);
    expect(usage.totals.credits).toBe(100_000 - balance);
    const byKey = await (await apiRequest("/api/v1/usage?group_by=key", { key: f.key })).json();
    expect(byKey.groups).toEqual([expect.objectContaining({ key: f.keyId, runs: 4, credits: 100_000 - balance })]);
    const bad = await apiRequest("/api/v1/usage?group_by=planet", { key: f.key });
    expect(bad.status).toBe(400);
  });
});
