import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startNextServer, type NextServer } from "../support/next-server";
import { startFakeOpenAI, type FakeOpenAI } from "../support/openai-upstream";

// Traces as an operator's collector gets them: a production server of its own (the e2e build) with
// the standard OTLP variables pointing at a loopback OTLP/HTTP receiver that decodes the JSON.

type AnyValue = {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values: AnyValue[] };
};
type OtlpSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: { key: string; value: AnyValue }[];
  events?: { name: string; timeUnixNano: string }[];
  status?: { code?: number };
};
type Span = OtlpSpan & { attrs: Record<string, unknown>; service: string };

const ROOT = path.resolve(import.meta.dirname, "../..");
const INPUT_MARKER = `input-never-in-a-span-${Date.now()}`;
const PROVIDER_KEY = "sk-provider-secret-never-in-a-span";

const valueOf = (v: AnyValue): unknown =>
  v.stringValue ??
  (v.intValue !== undefined ? Number(v.intValue) : undefined) ??
  v.doubleValue ??
  v.boolValue ??
  v.arrayValue?.values.map(valueOf);

function startReceiver() {
  const bodies: string[] = [];
  const spans: Span[] = [];
  const contentTypes = new Set<string>();
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      if (req.method === "POST" && req.url === "/v1/traces") {
        bodies.push(body);
        contentTypes.add(String(req.headers["content-type"]));
        for (const rs of JSON.parse(body).resourceSpans ?? []) {
          const service = String(valueOf(rs.resource.attributes.find((a: { key: string }) => a.key === "service.name").value));
          for (const ss of rs.scopeSpans ?? [])
            for (const s of ss.spans as OtlpSpan[])
              spans.push({ ...s, service, attrs: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, valueOf(a.value)])) });
        }
      }
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  return new Promise<{ url: string; bodies: string[]; spans: Span[]; contentTypes: Set<string>; close: () => void }>((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      resolve({ url: `http://127.0.0.1:${port}`, bodies, spans, contentTypes, close: () => server.close() });
    }),
  );
}

let receiver: Awaited<ReturnType<typeof startReceiver>>;
let upstream: FakeOpenAI;
let server: NextServer;
let seed: { key: string; storyId: string };

async function waitForSpans(pred: () => boolean, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!pred() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
}

beforeAll(async () => {
  receiver = await startReceiver();
  upstream = await startFakeOpenAI({ tokens: 8, firstTokenDelayMs: 30 });
  const dataDir = mkdtempSync(path.join(tmpdir(), "fg-otel-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FLOWGATE_DATA_DIR: dataDir,
    OPENAI_BASE_URL: upstream.url,
    OPENAI_API_KEY: PROVIDER_KEY,
    LOG_LEVEL: "warn",
    RATE_LIMIT_PER_MINUTE: "100000",
    NODE_ENV: "production",
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_SERVICE_NAME: "flowgate-otel-test",
  };
  delete env.DATABASE_URL;
  delete env.REDIS_URL;
  const seeded = await promisify(execFile)(
    process.execPath,
    [path.join(ROOT, "node_modules/tsx/dist/cli.mjs"), "--conditions=react-server", "tests/e2e/seed-e2e.ts"],
    { cwd: ROOT, env },
  );
  seed = JSON.parse(seeded.stdout.trim().split("\n").at(-1)!);
  server = await startNextServer({ env });
});

afterAll(async () => {
  await server?.stop("SIGTERM");
  await upstream?.close();
  receiver?.close();
});

describe("OpenTelemetry traces over OTLP/HTTP", () => {
  it("a run is one trace: the request span with auth, rate limit, reservation, the model call (gen_ai.*) and settlement, and no inputs or secrets", async () => {
    const res = await fetch(`${server.url}/api/v1/run/${seed.storyId}`, {
      method: "POST",
      headers: { authorization: `Bearer ${seed.key}`, "content-type": "application/json" },
      body: JSON.stringify({ story: INPUT_MARKER }),
    });
    expect(res.status).toBe(200);
    const requestId = res.headers.get("x-request-id")!;
    const { run_id: runId } = (await res.json()) as { run_id: string };

    const request = () => receiver.spans.find((s) => s.attrs["flowgate.request_id"] === requestId);
    await waitForSpans(() => !!request() && receiver.spans.some((s) => s.name === "settle" && s.attrs["flowgate.run_id"] === runId));
    const req = request()!;
    expect(req, "the request span reached the receiver").toBeDefined();
    expect(req.name).toBe("POST /api/v1/run/{workflow_id}");
    expect(req.service).toBe("flowgate-otel-test");
    expect(req.attrs).toMatchObject({
      "http.request.method": "POST",
      "http.route": "/api/v1/run/{workflow_id}",
      "http.response.status_code": 200,
      "flowgate.run_id": runId,
    });

    // Every step is a child of the request span, in its trace.
    const child = (name: string) =>
      receiver.spans.find((s) => s.traceId === req.traceId && s.parentSpanId === req.spanId && s.name === name);
    for (const name of ["auth", "rate_limit", "reserve", "chat fake", "settle"]) expect(child(name), name).toBeDefined();
    // Next's own spans wrap ours: one trace per HTTP request, rooted at Next's request span.
    const trace = receiver.spans.filter((s) => s.traceId === req.traceId);
    expect(trace.filter((s) => !s.parentSpanId).map((s) => s.name)).toEqual(["POST /api/v1/run/[workflow_id]"]);
    console.log(
      `[otel] the trace as received:\n${trace.map((s) => `${s.name} ${JSON.stringify(s.attrs)}${s.events?.length ? ` events=${s.events.map((e) => e.name)}` : ""}`).join("\n")}`,
    );

    const model = child("chat fake")!;
    expect(model.attrs).toMatchObject({
      "gen_ai.operation.name": "chat",
      "gen_ai.system": "openai",
      "gen_ai.request.model": "fake",
      "gen_ai.usage.output_tokens": 8,
      "gen_ai.response.finish_reasons": ["stop"],
    });
    expect(model.attrs["gen_ai.usage.input_tokens"]).toBeGreaterThan(0);
    expect(model.attrs["gen_ai.response.time_to_first_token_ms"]).toBeGreaterThanOrEqual(25);
    expect(model.events?.map((e) => e.name)).toContain("gen_ai.first_token");
    expect(child("settle")!.attrs).toMatchObject({ "flowgate.run_status": "completed", "flowgate.credits_charged": expect.any(Number) });

    expect([...receiver.contentTypes]).toEqual(["application/json"]);
    const everything = receiver.bodies.join("\n");
    for (const secret of [INPUT_MARKER, seed.key, PROVIDER_KEY]) expect(everything).not.toContain(secret);
  });

  it("a stream's request span ends at the first token; its model call and settlement follow in the same trace", async () => {
    upstream.set({ tokens: 5, tokenDelayMs: 40 });
    const res = await fetch(`${server.url}/api/v1/run/${seed.storyId}/stream`, {
      method: "POST",
      headers: { authorization: `Bearer ${seed.key}`, "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ story: INPUT_MARKER }),
    });
    expect(res.status).toBe(200);
    const requestId = res.headers.get("x-request-id")!;
    const runId = res.headers.get("x-run-id")!;
    expect(await res.text()).toContain("tok4");

    await waitForSpans(() => receiver.spans.some((s) => s.name === "settle" && s.attrs["flowgate.run_id"] === runId));
    const req = receiver.spans.find((s) => s.attrs["flowgate.request_id"] === requestId)!;
    expect(req.name).toBe("POST /api/v1/run/{workflow_id}/stream");
    expect(req.attrs["flowgate.run_id"]).toBe(runId);
    const model = receiver.spans.find((s) => s.traceId === req.traceId && s.name === "chat fake")!;
    expect(model.parentSpanId).toBe(req.spanId);
    expect(BigInt(model.endTimeUnixNano)).toBeGreaterThan(BigInt(req.endTimeUnixNano));
    expect(receiver.bodies.join("\n")).not.toContain(INPUT_MARKER);
  });

  it("a refused request is traced with its status and error code, not as a server failure", async () => {
    const res = await fetch(`${server.url}/api/v1/run/${seed.storyId}`, {
      method: "POST",
      headers: { authorization: "Bearer sk_live_wrong" },
      body: "{}",
    });
    expect(res.status).toBe(401);
    const requestId = res.headers.get("x-request-id")!;
    await waitForSpans(() => receiver.spans.some((s) => s.attrs["flowgate.request_id"] === requestId));
    const req = receiver.spans.find((s) => s.attrs["flowgate.request_id"] === requestId)!;
    expect(req.attrs["http.response.status_code"]).toBe(401);
    const auth = receiver.spans.find((s) => s.parentSpanId === req.spanId && s.name === "auth")!;
    expect(auth.attrs["error.type"]).toBe("unauthorized");
    expect(auth.status?.code ?? 0).not.toBe(2);
    expect(receiver.bodies.join("\n")).not.toContain("sk_live_wrong");
  });
});
