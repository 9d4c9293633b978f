import { eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { getDb, getDbKind } from "@/db";
import { listLedger, sumLedger } from "@/db/queries/credits";
import { getOrg } from "@/db/queries/orgs";
import { idempotencyKeys, runs } from "@/db/schema";
import { createApiKey } from "@/lib/auth/api-keys";
import { createFixture } from "../support/fixtures";
import { REVIEW_ANSWER, REVIEW_SCHEMA } from "../support/openai-compat";
import { apiRequest } from "../support/routes";
import { upstream } from "../setup";

// Idempotency-Key on POST /run and POST /run/:id/stream, on whichever database the suite runs on
// (PGlite, or PostgreSQL with DATABASE_URL): exactly one run and one charge per key, whatever
// arrives twice, in sequence or at once.

afterEach(async () => (await upstream()).reset());

const STORY = { story: "a dog named charlie" };
const run = (wf: string, key: string, idem: string | null, json: unknown = STORY, path = "") =>
  apiRequest(`/api/v1/run/${wf}${path}`, { method: "POST", key, json, headers: idem === null ? {} : { "idempotency-key": idem } });

async function runsOf(orgId: string) {
  return (await getDb()).select().from(runs).where(eq(runs.orgId, orgId));
}

/** One run, reserved and settled once; the balance is the ledger's sum and paid exactly the run's charge. */
async function expectChargedOnce(orgId: string, start: number) {
  const db = await getDb();
  const rows = await runsOf(orgId);
  expect(rows).toHaveLength(1);
  const ledger = await listLedger(db, { orgId, limit: 100 });
  expect(
    ledger
      .filter((e) => e.runId === rows[0]!.id)
      .map((e) => e.kind)
      .sort(),
  ).toEqual(["reserve", "settle"]);
  const balance = (await getOrg(db, orgId))!.creditBalance;
  expect(await sumLedger(db, orgId)).toBe(balance);
  expect(balance).toBe(start - rows[0]!.creditsCharged);
  return rows[0]!;
}

describe("Idempotency-Key on POST /run", () => {
  it("a sequential repeat replays the first answer: same run_id, one charge", async () => {
    const f = await createFixture({ credits: 10_000 });
    const a = await run(f.workflowId, f.key, "order-1");
    const b = await run(f.workflowId, f.key, "order-1");
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    const [ba, bb] = [await a.json(), await b.json()];
    expect(bb).toEqual(ba);
    expect(a.headers.get("idempotent-replayed")).toBeNull();
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect(b.headers.get("x-request-id")).toBeTruthy();
    const r = await expectChargedOnce(f.orgId, 10_000);
    expect(r.id).toBe(ba.run_id);
  });

  it("concurrent repeats wait for the first and get its answer: exactly one run", async () => {
    const f = await createFixture({ credits: 10_000, model: "openai:gpt-4o-mini" });
    (await upstream()).set({ tokens: 10, tokenDelayMs: 30 });
    const calls = (await upstream()).requests.length;
    const res = await Promise.all(Array.from({ length: 8 }, () => run(f.workflowId, f.key, "burst")));
    const bodies = await Promise.all(res.map((r) => r.json()));
    expect(res.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(new Set(bodies.map((b) => b.run_id)).size).toBe(1);
    expect(res.filter((r) => r.headers.get("idempotent-replayed") === "true")).toHaveLength(7);
    expect((await upstream()).requests.length - calls).toBe(1);
    const r = await expectChargedOnce(f.orgId, 10_000);
    console.info(
      `[idempotency ${await getDbKind()}] 8 concurrent POST /run with one key: ${(await runsOf(f.orgId)).length} run, charged ${r.creditsCharged}`,
    );
  });

  it("the same key with another body is a 422; other keys and other API keys are independent", async () => {
    const f = await createFixture({ credits: 10_000 });
    expect((await run(f.workflowId, f.key, "k")).status).toBe(200);
    const other = await run(f.workflowId, f.key, "k", { story: "a cat" });
    expect(other.status).toBe(422);
    expect(await other.json()).toMatchObject({
      success: false,
      code: "idempotency_key_reused",
      error: "This Idempotency-Key was used with a different request",
    });
    // Another path (a pinned version) is another request too.
    expect((await run(f.workflowId, f.key, "k", STORY, "?version=1")).status).toBe(422);
    // Whitespace and key order are not a different request.
    const same = await apiRequest(`/api/v1/run/${f.workflowId}`, {
      method: "POST",
      key: f.key,
      headers: { "idempotency-key": "k", "content-type": "application/json" },
      body: ' { "story" :  "a dog named charlie" } ',
    });
    expect(same.headers.get("idempotent-replayed")).toBe("true");
    const second = await createApiKey({ orgId: f.orgId });
    expect((await run(f.workflowId, second.key, "k")).headers.get("idempotent-replayed")).toBeNull();
    expect((await run(f.workflowId, f.key, "k2")).headers.get("idempotent-replayed")).toBeNull();
    expect(await runsOf(f.orgId)).toHaveLength(3);
  });

  it.each([
    ["256 characters", "x".repeat(256)],
    ["empty", " "],
  ])("a key of %s is a 400 and runs nothing", async (_, key) => {
    const f = await createFixture();
    const res = await run(f.workflowId, f.key, key);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "invalid_request", error: "Idempotency-Key must be 1 to 255 characters" });
    expect(await runsOf(f.orgId)).toHaveLength(0);
    expect((await run(f.workflowId, f.key, "x".repeat(255))).status).toBe(200);
  });

  it("a request refused before its run existed frees the key; a failed run is replayed as it failed", async () => {
    const f = await createFixture({ credits: 10_000, model: "openai:gpt-4o-mini" });
    const bad = await run(f.workflowId, f.key, "retry-me", {});
    expect(bad.status).toBe(400);
    expect((await run(f.workflowId, f.key, "retry-me")).status).toBe(200);

    (await upstream()).set({ fault: "http_400" });
    const failed = await run(f.workflowId, f.key, "fails");
    expect(failed.status).toBe(500);
    const body = await failed.json();
    expect(body.run_id).toMatch(/^run_/);
    (await upstream()).reset();
    const again = await run(f.workflowId, f.key, "fails");
    expect(again.status).toBe(500);
    expect(await again.json()).toEqual(body);
    expect(await runsOf(f.orgId)).toHaveLength(2);
  });

  it("a repeat after a first request that died before recording its answer gets the run's answer from its record, structured output included", async () => {
    (await upstream()).set({ text: JSON.stringify(REVIEW_ANSWER) });
    const f = await createFixture({
      credits: 10_000,
      model: "openai.chat:gpt-test",
      template: "Review {{story}}",
      outputSchema: REVIEW_SCHEMA,
    });
    const first = await (await run(f.workflowId, f.key, "died")).json();
    expect(first.output).toEqual(REVIEW_ANSWER);
    // As if the first request's process died between the settlement and recording its answer, a while ago.
    const db = await getDb();
    await db.update(idempotencyKeys).set({ responseStatus: null, responseBody: null }).where(eq(idempotencyKeys.apiKeyId, f.keyId));
    await db
      .update(runs)
      .set({ finishedAt: sql`now() - interval '1 minute'` })
      .where(eq(runs.id, first.run_id));
    const again = await run(f.workflowId, f.key, "died");
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await again.json()).toEqual(first);
    await expectChargedOnce(f.orgId, 10_000);
  });

  it("a key expires after 24 hours: then it runs again", async () => {
    const f = await createFixture({ credits: 10_000 });
    const first = await (await run(f.workflowId, f.key, "daily")).json();
    const db = await getDb();
    await db
      .update(idempotencyKeys)
      .set({ createdAt: sql`now() - interval '23 hours'` })
      .where(eq(idempotencyKeys.apiKeyId, f.keyId));
    expect((await (await run(f.workflowId, f.key, "daily")).json()).run_id).toBe(first.run_id);
    await db
      .update(idempotencyKeys)
      .set({ createdAt: sql`now() - interval '25 hours'` })
      .where(eq(idempotencyKeys.apiKeyId, f.keyId));
    const later = await run(f.workflowId, f.key, "daily");
    expect(later.headers.get("idempotent-replayed")).toBeNull();
    expect((await later.json()).run_id).not.toBe(first.run_id);
    // An expired key may even come back with another request.
    await db
      .update(idempotencyKeys)
      .set({ createdAt: sql`now() - interval '25 hours'` })
      .where(eq(idempotencyKeys.apiKeyId, f.keyId));
    expect((await run(f.workflowId, f.key, "daily", { story: "a cat" })).status).toBe(200);
    expect(await runsOf(f.orgId)).toHaveLength(3);
  });
});

describe("Idempotency-Key on POST /run/:id/stream", () => {
  it("a repeat gets the run's output again, in the protocol it asks for, live while it runs; one run, one charge", async () => {
    const f = await createFixture({ credits: 10_000, model: "openai:gpt-4o-mini" });
    (await upstream()).set({ tokens: 12, tokenDelayMs: 25 });
    const calls = (await upstream()).requests.length;
    const first = await run(f.workflowId, f.key, "s1", STORY, "/stream");
    expect(first.status).toBe(200);
    const runId = first.headers.get("x-run-id")!;
    // While the first is still streaming: the repeat follows the same run, as SSE.
    const sse = await apiRequest(`/api/v1/run/${f.workflowId}/stream`, {
      method: "POST",
      key: f.key,
      json: STORY,
      headers: { "idempotency-key": "s1", accept: "text/event-stream" },
    });
    expect(sse.headers.get("x-run-id")).toBe(runId);
    expect(sse.headers.get("idempotent-replayed")).toBe("true");
    const [text, events] = await Promise.all([first.text(), sse.text()]);
    expect(text).toBe(Array.from({ length: 12 }, (_, i) => `tok${i} `).join(""));
    expect(events).toContain("tok11 ");
    expect(events).toContain(runId);
    // After the end: replayed from the stored run.
    const after = await run(f.workflowId, f.key, "s1", STORY, "/stream");
    expect(await after.text()).toBe(text);
    expect((await upstream()).requests.length - calls).toBe(1);
    await expectChargedOnce(f.orgId, 10_000);
  });

  it("concurrent repeats of a stream start one run", async () => {
    const f = await createFixture({ credits: 10_000, model: "openai:gpt-4o-mini" });
    (await upstream()).set({ tokens: 5, tokenDelayMs: 20 });
    const res = await Promise.all(Array.from({ length: 6 }, () => run(f.workflowId, f.key, "s2", STORY, "/stream")));
    const texts = await Promise.all(res.map((r) => r.text()));
    expect(new Set(res.map((r) => r.headers.get("x-run-id"))).size).toBe(1);
    for (const t of texts) expect(t).toBe("tok0 tok1 tok2 tok3 tok4 ");
    await expectChargedOnce(f.orgId, 10_000);
  });
});
