import { describe, expect, it } from "vitest";
import { userPrincipal } from "@/lib/auth/user-principal";
import { publicBaseUrl } from "@/lib/public-base-url";

// One rule for "this instance's origin as the browser sees it": the dashboard's snippets, the API
// reference and the playground's same-origin check used three copies that disagreed.
describe("publicBaseUrl", () => {
  it.each<{ name: string; headers: Record<string, string>; url: string }>([
    { name: "plain next start on a LAN address is http", headers: { host: "192.168.1.20:3000" }, url: "http://192.168.1.20:3000" },
    { name: "loopback", headers: { host: "127.0.0.1:3000" }, url: "http://127.0.0.1:3000" },
    {
      name: "a proxy's forwarded host and scheme",
      headers: { host: "10.0.0.2:3000", "x-forwarded-host": "app.example.com", "x-forwarded-proto": "https" },
      url: "https://app.example.com",
    },
    {
      name: "chained proxies: the first (client-facing) entry",
      headers: { host: "10.0.0.2:3000", "x-forwarded-host": "app.example.com, edge.internal", "x-forwarded-proto": "https, http" },
      url: "https://app.example.com",
    },
  ])("$name", ({ headers, url }) => {
    expect(publicBaseUrl(new Headers(headers))).toBe(url);
  });
});

describe("the playground's same-origin check", () => {
  it("accepts the browser's origin behind chained proxies (it then asks for a session, not 'cross-origin')", async () => {
    const req = new Request("http://10.0.0.2:3000/api/playground/wf_x", {
      method: "POST",
      headers: {
        host: "10.0.0.2:3000",
        "x-forwarded-host": "app.example.com",
        "x-forwarded-proto": "https,http",
        origin: "https://app.example.com",
      },
    });
    await expect(userPrincipal(req)).rejects.toMatchObject({ code: "unauthorized" });
  });

  it("still refuses another site", async () => {
    const req = new Request("http://10.0.0.2:3000/api/playground/wf_x", {
      method: "POST",
      headers: {
        host: "10.0.0.2:3000",
        "x-forwarded-host": "app.example.com",
        "x-forwarded-proto": "https",
        origin: "https://evil.example",
      },
    });
    await expect(userPrincipal(req)).rejects.toMatchObject({ code: "forbidden" });
  });
});
