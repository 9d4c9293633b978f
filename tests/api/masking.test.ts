import { afterEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { getRun } from "@/db/queries/runs";
import { setStorageSettings } from "@/lib/orgs/org-settings";
import { createFixture } from "../support/fixtures";
import { apiRequest } from "../support/routes";
import { until } from "../support/until";
import { upstream } from "../setup";

// Masking (README, "Retention and masking"): an org may store its runs' inputs and outputs with
// e-mail addresses, phone and card numbers masked. Only what is stored changes: the model gets the
// real prompt and the caller the real answer.

afterEach(async () => (await upstream()).reset());

const PII = "mail jane.doe@example.com, call +1 (555) 123-4567, card 4111 1111 1111 1111";
const MASKED = "mail [email], call [phone], card [card]";
const ANSWER = "Noted: reach jane.doe@example.com or 4111-1111-1111-1111 today";
const ANSWER_MASKED = "Noted: reach [email] or [card] today";
const tokenFor = async (key: string) => (await (await apiRequest(`/api/v1/token`, { key })).json()).token as string;
const lastPrompt = async () => JSON.stringify((await upstream()).requests.at(-1)!.body.messages);

async function maskingFixture() {
  const f = await createFixture({ model: "openai.chat:m", template: "Q: {{story}}" });
  await setStorageSettings({ orgId: f.orgId, actorId: null, maskPii: true });
  return f;
}

describe("masking stored runs", () => {
  it("POST /run: the model and the caller get the real text, the run is stored masked", async () => {
    const f = await maskingFixture();
    (await upstream()).set({ text: ANSWER });
    const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: PII } });
    const body = await res.json();
    expect(body.result).toBe(ANSWER);
    expect(await lastPrompt()).toContain(`Q: ${PII}`);
    const row = (await getRun(await getDb(), { orgId: f.orgId, runId: body.run_id }))!;
    expect(row.inputs).toEqual({ story: MASKED });
    expect(row.output).toBe(ANSWER_MASKED);
    expect((await (await apiRequest(`/api/v1/runs/${body.run_id}`, { key: f.key })).json()).result).toBe(ANSWER_MASKED);
  });

  it("a stream: the browser gets the real text; the output saved while it runs and at its end is masked", async () => {
    const f = await maskingFixture();
    (await upstream()).set({ text: `${ANSWER} ${"and more words ".repeat(4)}`, tokenDelayMs: 120 });
    const res = await apiRequest(`/api/v1/run/${f.workflowId}/stream?token=${await tokenFor(f.key)}`, {
      method: "POST",
      json: { story: PII },
    });
    const runId = res.headers.get("x-run-id")!;
    const reading = res.text();
    const db = await getDb();
    // While it runs: the progress the instance saves every second.
    const progress = await until(async () => {
      const r = await getRun(db, { orgId: f.orgId, runId });
      return r?.status === "running" && r.output.includes("today") ? r : null;
    }, "the run's saved progress");
    expect(progress.output).toContain(ANSWER_MASKED);
    expect(progress.output).not.toContain("jane.doe");
    expect(progress.inputs).toEqual({ story: MASKED });
    expect(await reading).toContain(ANSWER);
    expect(await lastPrompt()).toContain(`Q: ${PII}`);
    const finished = await until(async () => {
      const r = await getRun(db, { orgId: f.orgId, runId });
      return r?.status === "completed" ? r : null;
    }, "the run's end");
    expect(finished.output.startsWith(ANSWER_MASKED)).toBe(true);
    expect(JSON.stringify(finished)).not.toContain("jane.doe");
  });

  it("an org without the option stores the text as it was (the default)", async () => {
    const f = await createFixture({ model: "openai.chat:m", template: "Q: {{story}}" });
    (await upstream()).set({ text: ANSWER });
    const body = await (await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: PII } })).json();
    const row = (await getRun(await getDb(), { orgId: f.orgId, runId: body.run_id }))!;
    expect(row).toMatchObject({ inputs: { story: PII }, output: ANSWER });
  });

  it("a failed run's stored error text is masked too", async () => {
    const f = await maskingFixture();
    (await upstream()).set({ fault: "http_400", errorMessage: "bad request from jane.doe@example.com" });
    const res = await apiRequest(`/api/v1/run/${f.workflowId}`, { method: "POST", key: f.key, json: { story: PII } });
    const body = await res.json();
    const row = (await getRun(await getDb(), { orgId: f.orgId, runId: body.run_id }))!;
    expect(row.status).toBe("failed");
    expect(row.errorMessage).toContain("bad request from [email]");
    expect(JSON.stringify(row)).not.toContain("jane.doe");
  });
});
