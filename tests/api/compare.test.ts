import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { signUpWithOrg } from "../support/auth-requests";
import { getDb } from "@/db";
import { listAuditEntries } from "@/db/queries/audit";
import { getOrg } from "@/db/queries/orgs";
import { getRun } from "@/db/queries/runs";
import { getWorkflow } from "@/db/queries/workflows";
import { adoptColumnAction } from "@/app/dashboard/workflows/[id]/actions";
import { ORG_HEADER } from "@/lib/auth/user-principal";
import { createEvalCase } from "@/lib/evals/cases";
import { getLimiter, setLimiter, type Limiter } from "@/lib/ratelimit/limiter";
import { admittingCount } from "@/lib/runs/in-flight";
import { createWorkflow } from "@/lib/workflows/create-workflow";
import { publishVersion } from "@/lib/workflows/publish-version";
import { updateDraft } from "@/lib/workflows/update-draft";
import { upstream } from "../setup";
import { serveRoutes } from "../support/serve";

// Compare (the editor): POST /api/playground/{id}/compare runs one set of inputs against up to 4
// columns — the draft or a version, each on its own model — as one NDJSON stream. Each column is a
// charged playground run; a judge check of the dataset grades each column, charged as `eval`.

let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes();
});
afterAll(() => server.close());
afterEach(async () => (await upstream()).reset());

type Me = Awaited<ReturnType<typeof signUpWithOrg>>;
const compare = (me: Me, wf: string, body: unknown) =>
  fetch(`${server.url}/api/playground/${wf}/compare`, {
    method: "POST",
    headers: { "content-type": "application/json", cookie: me.cookie, [ORG_HEADER]: me.orgId },
    body: JSON.stringify(body),
  });

type Ev = Record<string, any>;
const deep = (n: number): unknown => (n === 0 ? "x" : [deep(n - 1)]);
async function events(res: Response): Promise<Ev[]> {
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("application/x-ndjson");
  return (await res.text())
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Ev);
}

/** v1 "Say {{story}}" on the stand-in upstream; the draft moved on to "Draft: {{story}}" on the offline model. */
async function workflowWithVersion(me: Me) {
  const wf = await createWorkflow({ orgId: me.orgId, name: "Cmp", template: "Say {{story}}", model: "openai.chat:gpt-v1", publish: true });
  await updateDraft({ orgId: me.orgId, workflowId: wf.workflow_id, patch: { template: "Draft: {{story}}", model: "offline:echo" } });
  return wf.workflow_id;
}

describe("POST /api/playground/:id/compare", () => {
  it("streams every column in parallel, each a charged playground run, and judges each (charged as eval)", async () => {
    const me = await signUpWithOrg("Compare org");
    const wf = await workflowWithVersion(me);
    const fake = await upstream();
    fake.set({
      text: "a dog ran home",
      tokenDelayMs: 30,
      structured: (p) => (/<output>\n[^<]*dog/.test(p) ? { score: 0.9, reason: "a dog" } : { score: 0.1, reason: "no dog" }),
    });
    const c = await createEvalCase({
      orgId: me.orgId,
      workflowId: wf,
      input: {
        inputs: { story: "dog" },
        expectations: [
          { type: "contains", value: "x" },
          { type: "judge", rubric: "About a dog", pass_score: 0.5, model: "openai.chat:judge-m" },
        ],
      },
    });
    const before = (await getOrg(await getDb(), me.orgId))!.creditBalance;
    const evs = await events(
      await compare(me, wf, {
        inputs: { story: "a cat" },
        columns: [{ target: "draft" }, { target: 1 }, { target: 1, model: "offline:echo" }, { target: 1, model: "openai.chat:gpt-other" }],
        judge: { case_id: c.case_id, check: 1 },
      }),
    );
    expect(evs.at(-1)).toEqual({ type: "done" });
    const ends = evs.filter((e) => e.type === "end").sort((a, b) => a.column - b.column);
    expect(ends.map((e) => [e.column, e.status])).toEqual([
      [0, "completed"],
      [1, "completed"],
      [2, "completed"],
      [3, "completed"],
    ]);
    const text = (i: number) =>
      evs
        .filter((e) => e.type === "text" && e.column === i)
        .map((e) => e.delta)
        .join("");
    expect(text(0)).toContain("Draft: a cat");
    expect(text(1)).toBe("a dog ran home");
    expect(text(2)).toContain("Say a cat");
    expect(text(3)).toBe("a dog ran home");
    // In parallel, not one after another: each upstream column streams before the other has ended.
    const first = (i: number) => evs.findIndex((e) => e.type === "text" && e.column === i);
    const end = (i: number) => evs.findIndex((e) => e.type === "end" && e.column === i);
    expect(first(1)).toBeLessThan(end(3));
    expect(first(3)).toBeLessThan(end(1));

    let charged = 0;
    for (const e of ends) {
      const run = (await getRun(await getDb(), { orgId: me.orgId, runId: e.run_id }))!;
      expect(run).toMatchObject({ source: "playground", status: "completed", creditsCharged: e.credits_charged });
      expect(e.credits_charged).toBeGreaterThan(0);
      expect(e.usage.total_tokens).toBe(run.totalTokens);
      expect(e.latency_ms).toBeGreaterThanOrEqual(0);
      charged += e.credits_charged;
    }
    expect((await getRun(await getDb(), { orgId: me.orgId, runId: ends[2]!.run_id }))!.model).toBe("offline:echo");
    expect((await getRun(await getDb(), { orgId: me.orgId, runId: ends[1]!.run_id }))!.model).toBe("openai.chat:gpt-v1");

    const judges = evs.filter((e) => e.type === "judge").sort((a, b) => a.column - b.column);
    expect(judges.map((j) => [j.column, j.score, j.ok])).toEqual([
      [0, 0.1, false],
      [1, 0.9, true],
      [2, 0.1, false],
      [3, 0.9, true],
    ]);
    for (const j of judges) {
      const run = (await getRun(await getDb(), { orgId: me.orgId, runId: j.run_id }))!;
      expect(run).toMatchObject({ source: "eval", creditsCharged: j.credits_charged });
      charged += j.credits_charged;
    }
    expect((await getOrg(await getDb(), me.orgId))!.creditBalance).toBe(before - charged);
  });

  it("bounds: more than 4 columns, bad inputs, an unknown version, a judge that is not one, a bad model → 4xx, nothing charged", async () => {
    const me = await signUpWithOrg("Compare org");
    const wf = await workflowWithVersion(me);
    const c = await createEvalCase({
      orgId: me.orgId,
      workflowId: wf,
      input: { inputs: { story: "x" }, expectations: [{ type: "contains", value: "x" }] },
    });
    const before = (await getOrg(await getDb(), me.orgId))!.creditBalance;
    const cases: [unknown, number, string][] = [
      [{ inputs: { story: "x" }, columns: Array.from({ length: 5 }, () => ({ target: "draft" })) }, 400, "at most 4 columns"],
      [{ inputs: { story: "x" }, columns: [] }, 400, "columns"],
      [{ inputs: {}, columns: [{ target: "draft" }] }, 400, "Missing required parameter: story"],
      [{ inputs: { story: deep(70) }, columns: [{ target: "draft" }] }, 400, "nested too deeply"],
      [{ inputs: { story: "x" }, columns: [{ target: 7 }] }, 404, "no version 7"],
      [{ inputs: { story: "x" }, columns: [{ target: "draft", model: "gpt" }] }, 400, "<provider>:<model>"],
      [{ inputs: { story: "x" }, columns: [{ target: "draft" }], judge: { case_id: c.case_id, check: 0 } }, 400, "no such judge check"],
      [{ inputs: { story: "x" }, columns: [{ target: "draft" }], extra: 1 }, 400, ""],
    ];
    for (const [body, status, message] of cases) {
      const res = await compare(me, wf, body);
      expect(res.status, JSON.stringify(body).slice(0, 100)).toBe(status);
      const out = await res.json();
      expect(out).toMatchObject({ success: false });
      expect(out.error).toContain(message);
    }
    expect((await getOrg(await getDb(), me.orgId))!.creditBalance).toBe(before);
  });

  it("one column refused while another was admitted: the admitted one does not hold the instance's drain", async () => {
    const me = await signUpWithOrg("Compare org");
    const wf = await workflowWithVersion(me);
    // The draft needs a variable v1 does not: v1's column is admitted, the draft's is a 400.
    await updateDraft({ orgId: me.orgId, workflowId: wf, patch: { template: "Draft: {{story}} in a {{tone}} tone" } });
    // Counted, not awaited: other test files' runs may be in flight in this worker (isolate: false).
    const before = admittingCount();
    const res = await compare(me, wf, { inputs: { story: "x" }, columns: [{ target: 1 }, { target: "draft" }] });
    expect(res.status).toBe(400);
    expect((await res.json()).error).toContain("tone");
    // A SIGTERM now would not wait for an admission of this request.
    expect(admittingCount()).toBeLessThanOrEqual(before);
  });

  it("each column counts against the caller's rate limit as a run would: over it → 429 before anything is charged", async () => {
    const me = await signUpWithOrg("Compare org");
    const wf = await workflowWithVersion(me);
    // A limiter allowing this user 3 calls: the request and two more columns, not a third.
    const seen = new Map<string, number>();
    const previous = getLimiter();
    const counting: Limiter = {
      kind: "memory",
      limit: async (id) => {
        const n = (seen.get(id) ?? 0) + 1;
        seen.set(id, n);
        return { success: !id.endsWith(me.userId) || n <= 3, limit: 3, remaining: Math.max(0, 3 - n), reset: Date.now() + 60_000 };
      },
    };
    setLimiter(counting);
    try {
      const before = (await getOrg(await getDb(), me.orgId))!.creditBalance;
      const four = await compare(me, wf, { inputs: { story: "x" }, columns: [1, 2, 3, 4].map(() => ({ target: "draft" })) });
      expect(four.status).toBe(429);
      expect(await four.json()).toMatchObject({ success: false, code: "rate_limited" });
      expect((await getOrg(await getDb(), me.orgId))!.creditBalance).toBe(before);
      seen.clear();
      const evs = await events(await compare(me, wf, { inputs: { story: "x" }, columns: [1, 2, 3].map(() => ({ target: "draft" })) }));
      expect(evs.filter((e) => e.type === "end")).toHaveLength(3);
    } finally {
      setLimiter(previous);
    }
  });

  it("no session → 401; another org's workflow → 404", async () => {
    const me = await signUpWithOrg("Compare org");
    const other = await signUpWithOrg("Compare org");
    const theirs = await workflowWithVersion(other);
    const anon = await fetch(`${server.url}/api/playground/${theirs}/compare`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ inputs: { story: "x" }, columns: [{ target: "draft" }] }),
    });
    expect(anon.status).toBe(401);
    const cross = await compare(me, theirs, { inputs: { story: "x" }, columns: [{ target: "draft" }] });
    expect(cross.status).toBe(404);
  });
});

describe("Use this (adoptColumnAction)", () => {
  it("a version column copies its content and the column's model into the draft, audited; a draft column only the model", async () => {
    const me = await signUpWithOrg("Compare org");
    const wf = await workflowWithVersion(me);
    await publishVersion({ orgId: me.orgId, workflowId: wf }); // v2 = "Draft: {{story}}" on offline:echo
    const res = await adoptColumnAction.run(me.userId, { orgId: me.orgId, workflowId: wf, target: 1, model: "openai.chat:gpt-other" });
    expect(res).toMatchObject({ ok: true, data: { template: "Say {{story}}", model: "openai.chat:gpt-other" } });
    const row = (await getWorkflow(await getDb(), { orgId: me.orgId, workflowId: wf }))!;
    expect(row).toMatchObject({ template: "Say {{story}}", model: "openai.chat:gpt-other" });
    const [entry] = await listAuditEntries(await getDb(), { orgId: me.orgId, limit: 1 });
    expect(entry).toMatchObject({
      action: "workflow.update",
      actorId: me.userId,
      details: { adopted: { from: "v1", model: "openai.chat:gpt-other" } },
    });

    expect(
      await adoptColumnAction.run(me.userId, { orgId: me.orgId, workflowId: wf, target: "draft", model: "offline:echo" }),
    ).toMatchObject({
      ok: true,
      data: { template: "Say {{story}}", model: "offline:echo" },
    });
    expect(await adoptColumnAction.run(me.userId, { orgId: me.orgId, workflowId: wf, target: 9, model: "offline:echo" })).toMatchObject({
      ok: false,
      error: { code: "workflow_not_found" },
    });
    expect(await adoptColumnAction.run(me.userId, { orgId: me.orgId, workflowId: wf, target: "draft", model: "nocolon" })).toMatchObject({
      ok: false,
      error: { code: "invalid_request" },
    });
  });
});
