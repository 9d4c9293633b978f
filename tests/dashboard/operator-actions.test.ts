import { beforeEach, describe, expect, it } from "vitest";
import {
  adjustCreditsAction,
  archivePackAction,
  createPackAction,
  setModelPriceAction,
  suspendOrgAction,
  unsuspendOrgAction,
} from "@/app/operator/actions";
import { getDb } from "@/db";
import { getOrg } from "@/db/queries/orgs";
import { listPacks } from "@/lib/billing/packs";
import { listPrices } from "@/lib/llm/prices";
import { randomAlnum } from "@/lib/ids";
import { addOperator } from "@/lib/operator/operators";
import { createOrg } from "@/lib/orgs/create-org";
import { expectLedgerEqualsBalance } from "../support/ledger";

// The operator console's server actions as Next runs them, for a given signed-in user (`.run`: the
// pipeline a server action runs with the request cookie's user): an operator's calls go through the library
// and are audited; anyone else's get Next's 404 (notFound()) and change nothing.
const signedIn = { user: null as null | { id: string; email: string; emailVerified: boolean } };

const opEmail = `op-${randomAlnum(8).toLowerCase()}@example.com`;
const asOperator = () => (signedIn.user = { id: randomAlnum(24), email: opEmail, emailVerified: true });

/** What notFound() throws: Next answers the request with the 404 page. */
async function expectNotFound(p: Promise<unknown>) {
  await expect(p).rejects.toMatchObject({ digest: "NEXT_HTTP_ERROR_FALLBACK;404" });
}

describe("operator console actions", () => {
  beforeEach(async () => {
    await addOperator({ email: opEmail, addedBy: "test" });
    signedIn.user = null;
  });

  it("an operator grants and removes credits (adjust entries, audited), suspends and unsuspends with a reason", async () => {
    const { org_id: orgId } = await createOrg({ name: "Customer", credits: 100 });
    asOperator();
    expect(await adjustCreditsAction.run(signedIn.user, { orgId, amount: 250, reason: "goodwill" })).toMatchObject({
      ok: true,
      data: { balance: 350 },
    });
    expect(await adjustCreditsAction.run(signedIn.user, { orgId, amount: -50, reason: "correction" })).toMatchObject({
      ok: true,
      data: { balance: 300 },
    });
    expect(await adjustCreditsAction.run(signedIn.user, { orgId, amount: -1_000, reason: "too much" })).toMatchObject({
      ok: false,
      error: { code: "invalid_request" },
    });
    expect(await adjustCreditsAction.run(signedIn.user, { orgId, amount: 5, reason: "  " })).toMatchObject({
      ok: false,
      error: { message: "A reason is required" },
    });
    await expectLedgerEqualsBalance(orgId, 300);

    expect(await suspendOrgAction.run(signedIn.user, { orgId, reason: "" })).toMatchObject({
      ok: false,
      error: { message: "A reason is required" },
    });
    expect(await suspendOrgAction.run(signedIn.user, { orgId, reason: "chargebacks" })).toMatchObject({
      ok: true,
      data: { suspended: true },
    });
    expect(await getOrg(await getDb(), orgId)).toMatchObject({ suspendedReason: "chargebacks" });
    expect(await unsuspendOrgAction.run(signedIn.user, { orgId, reason: "" })).toMatchObject({ ok: true, data: { suspended: false } });
    expect((await getOrg(await getDb(), orgId))!.suspendedAt).toBeNull();
    expect(await adjustCreditsAction.run(signedIn.user, { orgId: "org_nope", amount: 1, reason: "x" })).toMatchObject({ ok: false });
  });

  it("an operator sets a model price and creates and archives a pack: what the CLI's commands do", async () => {
    asOperator();
    const model = `groq:m-${randomAlnum(6).toLowerCase()}`;
    expect(await setModelPriceAction.run(signedIn.user, { model, input: 120, output: 480 })).toMatchObject({ ok: true });
    expect((await listPrices()).find((p) => p.model === model)).toMatchObject({ input_per_m: 120, output_per_m: 480 });
    expect(await setModelPriceAction.run(signedIn.user, { model: "no-provider", input: 1, output: 1 })).toMatchObject({ ok: false });
    const made = await createPackAction.run(signedIn.user, { name: "Operator pack", credits: 5_000, priceCents: 900, currency: "eur" });
    if (!made.ok) throw new Error(made.error.message);
    expect(made.data).toMatchObject({ credits: 5_000, price_cents: 900, currency: "eur", archived: false });
    expect(await archivePackAction.run(signedIn.user, { packId: made.data.pack_id })).toMatchObject({ ok: true, data: { archived: true } });
    expect((await listPacks()).some((p) => p.pack_id === made.data.pack_id)).toBe(false);
  });

  it("everyone else gets the 404 and nothing changes: signed out, a user who is not an operator, an unverified operator address", async () => {
    const { org_id: orgId } = await createOrg({ name: "Customer", credits: 100 });
    const model = `groq:m-${randomAlnum(6).toLowerCase()}`;
    // Thunks: each call starts only when awaited (a rejection nobody awaits yet would be unhandled).
    const attempts = [
      () => adjustCreditsAction.run(signedIn.user, { orgId, amount: 1_000, reason: "free money" }),
      () => suspendOrgAction.run(signedIn.user, { orgId, reason: "x" }),
      () => unsuspendOrgAction.run(signedIn.user, { orgId, reason: "x" }),
      () => setModelPriceAction.run(signedIn.user, { model, input: 1, output: 1 }),
      () => createPackAction.run(signedIn.user, { name: "Sneaky", credits: 1, priceCents: 1, currency: "usd" }),
      () => archivePackAction.run(signedIn.user, { packId: "pack_x" }),
    ];
    for (const who of [
      null,
      { id: randomAlnum(24), email: `someone-${randomAlnum(6)}@example.com`, emailVerified: true },
      { id: randomAlnum(24), email: opEmail, emailVerified: false },
    ]) {
      signedIn.user = who;
      for (const attempt of attempts) await expectNotFound(attempt());
    }
    await expectLedgerEqualsBalance(orgId, 100);
    expect((await getOrg(await getDb(), orgId))!.suspendedAt).toBeNull();
    expect((await listPrices()).some((p) => p.model === model)).toBe(false);
  });
});
