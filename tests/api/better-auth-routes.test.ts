import { describe, expect, it } from "vitest";
import { GET, POST } from "@/app/api/auth/[...all]/route";
import { getDb } from "@/db";
import { getOrg } from "@/db/queries/orgs";
import { getEnv } from "@/lib/env";
import { randomAlnum } from "@/lib/ids";

// Only the better-auth endpoints the dashboard uses are served: its member, invitation and
// organization-deletion endpoints would bypass our invariants (last owner, audit, our org row), and
// better-auth has no hooks for them: lib/orgs writes the membership audit entries.
const req = (method: string, path: string, body?: unknown, cookie?: string) =>
  new Request(`http://localhost:3000/api/auth${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { "content-type": "application/json", origin: "http://localhost:3000", ...(cookie ? { cookie } : {}) },
  });

describe("/api/auth/*", () => {
  it("serves sign-up, session and organization create/switch; refuses member, invitation and deletion endpoints", async () => {
    const email = `${randomAlnum(10)}@example.com`;
    const up = await POST(req("POST", "/sign-up/email", { email, password: "long enough pw", name: "N" }));
    expect(up.status).toBe(200);
    const cookie = up.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const session = await GET(req("GET", "/get-session", undefined, cookie));
    expect((await session.json()).user.email).toBe(email);
    const org = await POST(req("POST", "/organization/create", { name: "O", slug: `o-${randomAlnum(8)}` }, cookie));
    expect(org.status).toBe(200);
    const orgId = (await org.json()).id;
    // Opening credits go to a user's first organization only.
    const second = await POST(req("POST", "/organization/create", { name: "O2", slug: `o2-${randomAlnum(8)}` }, cookie));
    const db = await getDb();
    expect((await getOrg(db, orgId))!.creditBalance).toBe(getEnv().SIGNUP_CREDITS);
    expect((await getOrg(db, (await second.json()).id))!.creditBalance).toBe(0);
    for (const path of [
      "/organization/update-member-role",
      "/organization/remove-member",
      "/organization/leave",
      "/organization/delete",
      "/organization/invite-member",
      "/organization/accept-invitation",
      "/organization/reject-invitation",
      "/organization/cancel-invitation",
      "/organization/add-member",
      "/organization/update",
    ]) {
      const res = await POST(req("POST", path, { organizationId: orgId, memberIdOrEmail: email, role: "member" }, cookie));
      expect(res.status, path).toBe(404);
      expect(await res.json()).toMatchObject({ success: false, code: "not_found" });
    }
  });
});
