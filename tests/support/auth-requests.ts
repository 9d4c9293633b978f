import { POST, GET } from "@/app/api/auth/[...all]/route";
import { getAuth } from "@/lib/auth/auth";
import { randomAlnum } from "@/lib/ids";

// Calls to /api/auth/* through the route handler, as the dashboard's browser makes them.

export function authRequest(
  method: "GET" | "POST",
  path: string,
  { body, cookie, ip }: { body?: unknown; cookie?: string; ip?: string } = {},
) {
  const req = new Request(`http://localhost:3000/api/auth${path}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: {
      "content-type": "application/json",
      origin: "http://localhost:3000",
      ...(cookie ? { cookie } : {}),
      ...(ip ? { "x-forwarded-for": ip } : {}),
    },
  });
  return method === "GET" ? GET(req) : POST(req);
}

/** The cookies a response set, as a Cookie header. */
export const cookiesOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .join("; ");

/** A random documentation address (TEST-NET-3), so each test has a rate-limit bucket of its own. */
export const randomIp = () => `203.0.113.${Math.floor(Math.random() * 250) + 1}`;

/** A better-auth user with an org of their own: a browser session's cookie, the org's id and the user's. */
export async function signUpWithOrg(name = "Play org") {
  const auth = await getAuth();
  const email = `${randomAlnum(12)}@example.com`;
  const res = await auth.api.signUpEmail({ body: { email, password: "correct horse battery", name: "Ada" }, asResponse: true });
  const cookie = cookiesOf(res);
  const org = await auth.api.createOrganization({
    body: { name, slug: `org-${randomAlnum(10)}` },
    headers: new Headers({ cookie }),
  });
  const session = await auth.api.getSession({ headers: new Headers({ cookie }) });
  return { cookie, orgId: org!.id, userId: session!.user.id };
}
