import { describe, expect, it } from "vitest";
import { apiRequest } from "../support/routes";

describe("GET /api/health", () => {
  it("is 200 with the database kind when the database answers", async () => {
    const res = await apiRequest("/api/health");
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.ok).toBe(true);
    expect(body.checks.database).toMatchObject({ ok: true, kind: process.env.DATABASE_URL ? "postgres" : "pglite" });
  });
});
