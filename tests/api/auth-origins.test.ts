import { afterEach, describe, expect, it } from "vitest";
import { POST } from "@/app/api/auth/[...all]/route";
import { resetEnvForTests } from "@/lib/env";
import { randomAlnum } from "@/lib/ids";

// Which browser origins may sign up and sign in. `next start` hands route handlers a URL on
// localhost whatever address the browser used, so the request's own URL says nothing: with no
// BETTER_AUTH_URL, the loopback origins of PORT are the dashboard; anything else is told what to do.

const signUp = (origin: string) =>
  POST(
    new Request("http://localhost:3000/api/auth/sign-up/email", {
      method: "POST",
      body: JSON.stringify({ email: `${randomAlnum(10)}@example.com`, password: "long enough pw", name: "N" }),
      // What Chromium sends from the sign-up page's fetch.
      headers: {
        "content-type": "application/json",
        origin,
        "sec-fetch-site": "same-origin",
        "sec-fetch-mode": "cors",
        "sec-fetch-dest": "empty",
      },
    }),
  );

describe("sign-up origins", () => {
  it.each(["http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000"])("%s (loopback, PORT) signs up", async (origin) => {
    const res = await signUp(origin);
    expect(res.status, await res.clone().text()).toBe(200);
  });

  it.each(["http://192.168.1.20:3000", "http://127.0.0.1:4000", "https://localhost:3000"])(
    "%s is refused with a message naming the URL to open and the variable to set",
    async (origin) => {
      const res = await signUp(origin);
      expect(res.status).toBe(403);
      const body = await res.json();
      expect(body.code).toBe("INVALID_ORIGIN");
      expect(body.message).toContain("http://localhost:3000");
      expect(body.message).toContain(`BETTER_AUTH_URL=${origin}`);
    },
  );
});

describe("with BETTER_AUTH_URL", () => {
  afterEach(() => {
    delete process.env.BETTER_AUTH_URL;
    resetEnvForTests();
  });

  it("names the configured URL to open", async () => {
    process.env.BETTER_AUTH_URL = "https://flowgate.example.com";
    resetEnvForTests();
    const { dashboardOrigins, untrustedOriginMessage } = await import("@/lib/auth/origins");
    expect(dashboardOrigins()).toEqual(["https://flowgate.example.com"]);
    expect(untrustedOriginMessage("http://127.0.0.1:3000")).toContain("Open https://flowgate.example.com to sign in");
  });
});
