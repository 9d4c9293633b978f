import { describe, expect, it } from "vitest";
import { eq, inArray } from "drizzle-orm";
import { POST } from "@/app/api/auth/[...all]/route";
import { getDb } from "@/db";
import { getOrg } from "@/db/queries/orgs";
import { member, organization } from "@/db/schema";
import { getEnv } from "@/lib/env";
import { randomAlnum } from "@/lib/ids";
import { removeMember } from "@/lib/orgs/members";

// Organizations created in the dashboard: at most 10 per user, even when created concurrently,
// and opening credits once per user ever (not "while they have no other membership").

const post = (path: string, body: unknown, cookie?: string) =>
  POST(
    new Request(`http://localhost:3000/api/auth${path}`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json", origin: "http://localhost:3000", ...(cookie ? { cookie } : {}) },
    }),
  );

async function signUp() {
  const email = `${randomAlnum(10)}@example.com`;
  const res = await post("/sign-up/email", { email, password: "long enough pw", name: "N" });
  expect(res.status).toBe(200);
  const userId = (await res.json()).user.id as string;
  return {
    userId,
    cookie: res.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; "),
  };
}

const createOrgAs = (cookie: string, slug = `o-${randomAlnum(12)}`) => post("/organization/create", { name: "O", slug }, cookie);

describe("creating organizations", () => {
  it("14 concurrent creates by one user make at most 10 organizations, each with our org row", async () => {
    const { userId, cookie } = await signUp();
    const slugs = Array.from({ length: 14 }, () => `c-${randomAlnum(12)}`);
    const results = await Promise.all(slugs.map((slug) => createOrgAs(cookie, slug)));
    const ok = results.filter((r) => r.status === 200);
    expect(ok.length).toBe(10);
    for (const r of results.filter((r) => r.status !== 200)) {
      expect(r.status).toBe(403);
      expect((await r.json()).message).toMatch(/maximum number of organizations/i);
    }
    const db = await getDb();
    const memberships = await db.select({ orgId: member.organizationId }).from(member).where(eq(member.userId, userId));
    expect(memberships.length).toBe(10);
    // The refused ones are gone entirely: no better-auth organization is left without our row.
    expect((await db.select().from(organization).where(inArray(organization.slug, slugs))).length).toBe(10);
    for (const m of memberships) expect(await getOrg(db, m.orgId)).toBeDefined();
    // Opening credits went to exactly one of them.
    const balances = await Promise.all(memberships.map(async (m) => (await getOrg(db, m.orgId))!.creditBalance));
    expect(balances.filter((b) => b > 0)).toEqual([getEnv().SIGNUP_CREDITS]);
  });

  it("a user removed from (or handing over) their first organization gets no opening credits again", async () => {
    const a = await signUp();
    const first = await createOrgAs(a.cookie);
    const firstId = (await first.json()).id as string;
    const db = await getDb();
    expect((await getOrg(db, firstId))!.creditBalance).toBe(getEnv().SIGNUP_CREDITS);
    // Hand the org to B, who then removes A: A has no membership left.
    const b = await signUp();
    await db.insert(member).values({ id: randomAlnum(24), organizationId: firstId, userId: b.userId, role: "owner" });
    await removeMember({ actor: { userId: b.userId, orgId: firstId, role: "owner" }, userId: a.userId });
    expect(await db.select().from(member).where(eq(member.userId, a.userId))).toEqual([]);
    const second = await createOrgAs(a.cookie);
    expect(second.status).toBe(200);
    expect((await getOrg(db, (await second.json()).id))!.creditBalance).toBe(0);
    // B never created an organization: their first one gets the opening credits.
    const own = await createOrgAs(b.cookie);
    expect((await getOrg(db, (await own.json()).id))!.creditBalance).toBe(getEnv().SIGNUP_CREDITS);
  });
});
