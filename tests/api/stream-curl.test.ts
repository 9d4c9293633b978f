import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createFixture } from "../support/fixtures";
import { serveRoutes } from "../support/serve";

// The stream endpoint with a stream token, read by curl itself (a child process): the rest of the
// endpoint is tested in stream.test.ts. In the slow test project (vitest.config.ts).

let server: Awaited<ReturnType<typeof serveRoutes>>;
beforeAll(async () => {
  server = await serveRoutes();
});
afterAll(() => server.close());

describe("POST /api/v1/run/:id/stream?token=", () => {
  it("works with curl --no-buffer exactly as the seed shows", async () => {
    const f = await createFixture({ template: "Write {{story}}" });
    const t = await (await fetch(`${server.url}/api/v1/token`, { headers: { authorization: `Bearer ${f.key}` } })).json();
    const { stdout } = await promisify(execFile)("curl", [
      "-sS",
      "--no-buffer",
      "--request",
      "POST",
      "--url",
      `${server.url}/api/v1/run/${f.workflowId}/stream?token=${t.token}`,
      "--header",
      "Content-Type: application/json",
      "--data",
      '{"story": "a story about a dog named charlie"}',
    ]);
    expect(stdout).toBe("Write a story about a dog named charlie");
  });
});
