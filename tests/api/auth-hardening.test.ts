import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DrizzleQueryError } from "drizzle-orm";
import { NextRequest } from "next/server";
import { POST } from "@/app/api/auth/[...all]/route";
import { getAuth, resetAuthForTests } from "@/lib/auth/auth";
import { resetEnvForTests } from "@/lib/env";
import { randomAlnum } from "@/lib/ids";
import { logger, logSink } from "@/lib/logger";
import { proxy } from "@/proxy";

// The dashboard's account endpoints and pages, hardened: bounded names, Secure cookies on https,
// better-auth's log lines masked like ours, a nonce-based Content-Security-Policy on pages.

const post = (path: string, body: unknown, { origin = "http://localhost:3000", cookie }: { origin?: string; cookie?: string } = {}) =>
  POST(
    new Request(`${origin}/api/auth${path}`, {
      method: "POST",
      body: JSON.stringify(body),
      headers: { "content-type": "application/json", origin, ...(cookie ? { cookie } : {}) },
    }),
  );
const newUser = (name: string, origin?: string) =>
  post("/sign-up/email", { email: `${randomAlnum(10)}@example.com`, password: "long enough pw", name }, { origin });

describe("name limits", () => {
  it.each([
    { name: "a 101-character user name", body: "x".repeat(101), message: "Your name is too long (at most 100 characters)" },
    { name: "a blank user name", body: "   ", message: "Your name is required" },
  ])("sign-up refuses $name with a 400 that says so", async ({ body, message }) => {
    const res = await newUser(body);
    expect(res.status).toBe(400);
    expect((await res.json()).message).toBe(message);
  });

  it("organization names and slugs are bounded; 100 characters is fine", async () => {
    const up = await newUser("x".repeat(100));
    expect(up.status).toBe(200);
    const cookie = up.headers
      .getSetCookie()
      .map((c) => c.split(";")[0])
      .join("; ");
    const long = await post("/organization/create", { name: "o".repeat(101), slug: `o-${randomAlnum(8)}` }, { cookie });
    expect(long.status).toBe(400);
    expect((await long.json()).message).toBe("Organization name is too long (at most 100 characters)");
    const slug = await post("/organization/create", { name: "O", slug: "s".repeat(65) }, { cookie });
    expect(slug.status).toBe(400);
    const ok = await post("/organization/create", { name: "o".repeat(100), slug: `o-${randomAlnum(8)}` }, { cookie });
    expect(ok.status).toBe(200);
  });
});

describe("session cookies", () => {
  afterEach(() => {
    delete process.env.BETTER_AUTH_URL;
    resetEnvForTests();
    resetAuthForTests();
  });

  it("are Secure (__Secure-) when the public URL is https, and only then", async () => {
    process.env.BETTER_AUTH_URL = "https://flowgate.example.com";
    resetEnvForTests();
    resetAuthForTests();
    const https = await newUser("S", "https://flowgate.example.com");
    expect(https.status).toBe(200);
    const cookies = https.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    for (const c of cookies) expect(c).toMatch(/^__Secure-.*; Secure/);

    delete process.env.BETTER_AUTH_URL;
    resetEnvForTests();
    resetAuthForTests();
    const http = await newUser("P");
    for (const c of http.headers.getSetCookie()) expect(c).not.toMatch(/Secure/);
  });
});

describe("better-auth's log lines", () => {
  const lines: string[] = [];
  const write = logSink.write;
  beforeAll(() => {
    logSink.write = (line) => {
      lines.push(line);
      return true;
    };
  });
  afterAll(() => {
    logSink.write = write;
  });

  it("go through our logger, with a failed query's parameters (tokens, hashes, emails) masked", async () => {
    const token = randomAlnum(32);
    const failed = new DrizzleQueryError(
      `insert into "session" ("token", "user_id") values ($1, $2)`,
      [token, "victim@example.com"],
      new Error("duplicate key"),
    );
    const ctx = await (await getAuth()).$context;
    ctx.logger.error("Failed to create session", failed);
    const line = lines.find((l) => l.includes("better-auth: Failed to create session"));
    expect(line).toBeDefined();
    expect(JSON.parse(line!)).toMatchObject({ level: "error", err: { message: expect.stringContaining("Failed query") } });
    expect(line).toContain('insert into \\"session\\"');
    expect(line).not.toContain(token);
    expect(line).not.toContain("victim@example.com");
    // Ours too: the same error logged by our code.
    logger.error("query failed", { err: failed });
    expect(lines.at(-1)).not.toContain(token);
  });
});

describe("Content-Security-Policy on pages", () => {
  it("carries a fresh nonce, allows no inline script without it, and hands the nonce to the render", () => {
    const page = () => proxy(new NextRequest("http://localhost:3000/sign-up"));
    const a = page();
    const csp = a.headers.get("content-security-policy")!;
    const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)![1]!;
    expect(csp).toContain(`script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`);
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    // What Next renders with (request headers forwarded by the proxy).
    expect(a.headers.get("x-middleware-request-x-nonce")).toBe(nonce);
    expect(a.headers.get("x-middleware-request-content-security-policy")).toBe(csp);
    expect(page().headers.get("content-security-policy")).not.toBe(csp);
  });
});
