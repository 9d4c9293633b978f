import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { renderToStaticMarkup } from "react-dom/server";
import { createElement } from "react";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiReference } from "@/app/dashboard/api-reference/api-reference";
import { apiDocument } from "@/lib/api/openapi/document";
import { snippetsFor } from "@/lib/api/openapi/snippets";
import { createFixture } from "../support/fixtures";
import { serveRoutes } from "../support/serve";

// The dashboard's API reference renders the document, and its snippets are copy-ready: run as
// shown (with a real key, token and workflow id in place of the placeholders) they work.

const doc = apiDocument();
let server: Awaited<ReturnType<typeof serveRoutes>>;
let f: Awaited<ReturnType<typeof createFixture>>;
beforeAll(async () => {
  server = await serveRoutes();
  f = await createFixture({ template: "Write {{story}}" });
});
afterAll(() => server.close());

const mintToken = async () =>
  (await (await fetch(`${server.url}/api/v1/token`, { headers: { authorization: `Bearer ${f.key}` } })).json()).token as string;
/** The placeholders a reader replaces. */
const fillIn = async (code: string) =>
  code
    .replaceAll("sk_…", f.key)
    .replaceAll("wf_abc123", f.workflowId)
    .replaceAll("pub_tok_…", code.includes("pub_tok_…") ? await mintToken() : "");
const snippets = (method: string, path: string) => snippetsFor(method, path, doc.paths[path]![method]!, server.url);
const hasPythonRequests = (() => {
  try {
    execFileSync("python3", ["-c", "import requests"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("dashboard API reference", () => {
  it("renders every operation of the document with its method, path, summary and snippets", () => {
    const html = renderToStaticMarkup(createElement(ApiReference, { doc, base: "https://flowgate.example" }));
    const ops = Object.entries(doc.paths).flatMap(([p, byMethod]) => Object.entries(byMethod).map(([m, op]) => ({ p, m, op })));
    expect(html.match(/data-testid="operation"/g)).toHaveLength(ops.length);
    for (const { p, op } of ops) {
      expect(html).toContain(p);
      expect(html).toContain(op.summary.replaceAll("'", "&#x27;"));
    }
    expect(html).toContain("curl --request POST");
    expect(html).toContain("https://flowgate.example/api/v1/run/wf_abc123");
    expect(html).toContain("[variable: string]: string | number | boolean");
  });

  it("the curl snippet of POST /run works as shown", async () => {
    const curl = await fillIn(snippets("post", "/api/v1/run/{workflow_id}").curl);
    const { stdout } = await promisify(execFile)("bash", ["-c", curl]);
    expect(JSON.parse(stdout)).toMatchObject({ success: true, result: "Write a story about a dog named charlie" });
  });

  it("the JavaScript snippets of POST /run and the stream endpoint work as shown", async () => {
    const run = async (code: string, result: string) =>
      new Function(`return (async () => {\n${await fillIn(code)}\nreturn ${result};\n})()`)();
    expect(await run(snippets("post", "/api/v1/run/{workflow_id}").javascript, "data")).toMatchObject({
      success: true,
      status: "completed",
    });
    expect(await run(snippets("post", "/api/v1/run/{workflow_id}/stream").javascript, "text")).toBe(
      "Write a story about a dog named charlie",
    );
    expect(await run(snippets("get", "/api/v1/workflows/{workflow_id}").javascript, "data")).toMatchObject({
      success: true,
      workflow_id: f.workflowId,
    });
  });

  it.skipIf(!hasPythonRequests)("the Python snippet of the stream endpoint works as shown", async () => {
    const py = await fillIn(snippets("post", "/api/v1/run/{workflow_id}/stream").python);
    const { stdout } = await promisify(execFile)("python3", ["-c", py]);
    expect(stdout).toBe("Write a story about a dog named charlie");
  });
});
