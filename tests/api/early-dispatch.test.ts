import { eq } from "drizzle-orm";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "@/db";
import { getOrg, lockOrgBalance } from "@/db/queries/orgs";
import { runs } from "@/db/schema";
import { grantCredits } from "@/lib/credits/grant-credits";
import { createFixture } from "../support/fixtures";
import { expectLedgerEqualsBalance } from "../support/ledger";
import { apiRequest } from "../support/routes";
import { until } from "../support/until";
import { upstream } from "../setup";

// lib/runs/early-dispatch.ts: a run's first model call goes out while its credits are reserved,
// for a payer whose last reservation was granted in full; nothing of it reaches the client unless
// the reservation succeeds with the output ceiling the call asked for.

// Counted from empty: the stand-in keeps its last 1,000 requests, and a count read across its trim is wrong.
beforeEach(async () => void ((await upstream()).requests.length = 0));
afterEach(async () => (await upstream()).reset());

const CREDITS = 100_000;

async function primed() {
  const f = await createFixture({ model: "openai.chat:m", credits: CREDITS, template: "{{story}}" });
  // The payer's first run: sent after its reservation, as every run of a payer not known to be funded.
  const res = await stream(f);
  expect(res.status).toBe(200);
  await res.text();
  return { ...f, reservedByOne: (await runOf(res)).creditsReserved };
}

const stream = (f: { workflowId: string; key: string }) =>
  apiRequest(`/api/v1/run/${f.workflowId}/stream`, { method: "POST", key: f.key, json: { story: "a short story" } });

/**
 * Sends a stream request while the org's balance row is held, until the model has received a call
 * (or 3 s): whether the call went out before the reservation could complete. The response follows.
 */
async function streamWhileReservationWaits(f: { orgId: string; workflowId: string; key: string }) {
  const up = await upstream();
  const before = up.requests.length;
  const db = await getDb();
  let pending!: Promise<Response>;
  let sentEarly = false;
  await db.transaction(async (tx) => {
    await lockOrgBalance(tx, f.orgId);
    pending = stream(f);
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && up.requests.length === before) await new Promise((r) => setTimeout(r, 10));
    sentEarly = up.requests.length === before + 1;
  });
  return { sentEarly, res: await pending };
}

async function balanceOf(orgId: string) {
  return (await getOrg(await getDb(), orgId))!.creditBalance;
}

/** The run row a stream answer names (its x-run-id). */
async function runOf(res: Response) {
  const db = await getDb();
  const [run] = await db
    .select()
    .from(runs)
    .where(eq(runs.id, res.headers.get("x-run-id")!));
  return run!;
}

describe("early dispatch: the model call goes out while the run's credits are reserved", () => {
  it("a funded payer's call reaches the model while its reservation waits for the org's row; the run then completes and is charged once", async () => {
    const up = await upstream();
    const f = await primed();
    const before = up.requests.length;
    const { sentEarly, res } = await streamWhileReservationWaits(f);
    expect(sentEarly).toBe(true);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("tok19");
    expect(up.requests.length).toBe(before + 1);
    const run = await runOf(res);
    expect(run.status).toBe("completed");
    expect(run.outputTokens).toBe(20);
    await expectLedgerEqualsBalance(f.orgId);
  });

  it("a refused reservation aborts the call sent early; the payer's next request sends none", async () => {
    const up = await upstream();
    up.set({ firstTokenDelayMs: 300 });
    const f = await primed();
    // The org is emptied (an adjustment in the ledger): the next reservation is refused.
    await grantCredits({ orgId: f.orgId, amount: -(await balanceOf(f.orgId)) });
    const sent = up.requests.length;
    const closed = up.closedEarly;

    const { sentEarly, res: refused } = await streamWhileReservationWaits(f);
    expect(sentEarly).toBe(true);
    expect(refused.status).toBe(402);
    expect((await refused.json()).error).toMatch(/credits/i);
    // It was sent (the payer was funded a moment ago), and abandoned once refused: no answer was read.
    await until(() => up.closedEarly >= closed + 1, "the early call's abort", { ms: 3000 });

    const again = await stream(f);
    expect(again.status).toBe(402);
    expect(up.requests.length).toBe(sent + 1);
    await expectLedgerEqualsBalance(f.orgId, 0);
  });

  it("a reservation short of the call's output ceiling drops it, and the run calls again with what was granted", async () => {
    const up = await upstream();
    up.set({ firstTokenDelayMs: 300 });
    const f = await primed();
    const full = up.requests.at(-1)!.body.max_tokens as number;
    // Half of one run's worst case is left: the hot path refuses, the short path grants fewer output tokens.
    await grantCredits({ orgId: f.orgId, amount: Math.floor(f.reservedByOne / 2) - (await balanceOf(f.orgId)) });
    const sent = up.requests.length;
    const closed = up.closedEarly;

    const { sentEarly, res } = await streamWhileReservationWaits(f);
    expect(sentEarly).toBe(true);
    expect(res.status).toBe(200);
    await res.text();
    const [early, granted] = up.requests.slice(sent);
    expect(up.requests.length).toBe(sent + 2);
    expect(early!.body.max_tokens).toBe(full);
    expect(granted!.body.max_tokens).toBeLessThan(full);
    expect(up.closedEarly).toBe(closed + 1);
    const run = await runOf(res);
    expect(run.status).toBe("completed");
    expect(run.attempts).toHaveLength(1);
    await expectLedgerEqualsBalance(f.orgId);
  });
});
