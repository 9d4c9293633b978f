// A wire-accurate OpenAI-compatible upstream for tests and benchmarks: the one stand-in we allow
// (the model), spoken to through the real @ai-sdk/openai provider. Chat Completions and the
// Responses API, streaming and not, with usage, max-token limits, web-search citations, and the
// faults real upstreams produce, and function calls (tools). Plain node:http, no dependencies.
import http from "node:http";

export type Fault =
  | null
  | "http_429"
  | "http_500"
  | "http_401"
  | "http_400"
  | "http_404"
  | "http_503"
  | "hang_before_first_token"
  | "drop_mid_stream"
  | "malformed_sse"
  | "error_event_mid_stream";

export interface FakeOpenAIOptions {
  /** Output tokens per response (default 20): "tok0 ", "tok1 ", … */
  tokens?: number;
  /** Fixed response text, split into word tokens (overrides `tokens`). */
  text?: string;
  /** Answer with the last user message, split into word tokens. */
  echo?: boolean;
  firstTokenDelayMs?: number;
  tokenDelayMs?: number;
  /** Wait after the last text delta, before the finish (the text is all out, the call is not over). */
  finishDelayMs?: number;
  /** URLs returned as web-search sources and url_citation annotations (Responses API with a web_search tool). */
  citations?: string[];
  fault?: Fault;
  /** For mid-stream faults: after how many deltas (default: half). */
  faultAfterTokens?: number;
  /** Message of HTTP faults; "{auth}" is replaced by the request's Authorization header, as careless upstreams do. */
  errorMessage?: string;
  /** In-process only: answer once this settles (a test holds calls at the model to order events around them). */
  hold?: Promise<unknown>;
  /** Retry-After header (seconds, as sent) on HTTP faults. */
  retryAfter?: string;
  /** A scripted upstream: request n gets script[n]'s fault (null: a normal answer), then `fault` once the script is used up. */
  script?: Fault[];
  /**
   * In-process only: how a request for structured output (chat `response_format`, Responses `text.format`
   * of type json_schema) is answered — the value, sent as JSON text, given the request's texts and schema.
   */
  structured?: (prompt: string, schema: unknown) => unknown;
  /** Out-of-process too (POST /__control): the JSON text answering every structured-output request (a judge in the e2e suite). */
  structuredText?: string;
  /**
   * In-process only: the function calls this request answers with (null or []: an ordinary answer).
   * Given the parsed request body. Wins over `toolScript`.
   */
  toolCalls?: (body: any) => FakeToolCall[] | null;
  /**
   * The JSON-able form (works through POST /__control and the x-fake-options header): each entry is
   * called when the request offers a function tool of that name, the conversation holds no result
   * for a call of that name yet, and (with `after`) it holds a result for a call of `after`. All
   * entries that qualify are called at once (parallel calls). When none qualifies the model answers
   * text, and when the conversation holds tool results and no `text` is set, that text quotes them:
   * "Tool results: <output> | <output>".
   */
  toolScript?: ToolScriptEntry[];
}

/** A function call the stand-in makes: `arguments` is sent as its JSON text (a string is sent as is). */
export type FakeToolCall = { name: string; arguments: unknown };
export type ToolScriptEntry = FakeToolCall & { after?: string };

/** Function tools the request offers (Chat Completions and Responses shapes). */
export function offeredTools(body: any): string[] {
  return (Array.isArray(body?.tools) ? body.tools : [])
    .filter((t: any) => t?.type === "function")
    .map((t: any) => String(t.function?.name ?? t.name ?? ""));
}

/** The tool results in a request's conversation, in order, with the name of the call each answers. */
export function toolResults(body: any): Array<{ callId: string; name: string; output: string }> {
  const names = new Map<string, string>();
  const out: Array<{ callId: string; name: string; output: string }> = [];
  const text = (c: unknown) =>
    typeof c === "string" ? c : Array.isArray(c) ? c.map((p: any) => p?.text ?? "").join("") : JSON.stringify(c ?? "");
  for (const m of Array.isArray(body?.messages) ? body.messages : []) {
    for (const c of m?.tool_calls ?? []) names.set(c.id, c.function?.name ?? "");
    if (m?.role === "tool") out.push({ callId: m.tool_call_id, name: names.get(m.tool_call_id) ?? "", output: text(m.content) });
  }
  for (const it of Array.isArray(body?.input) ? body.input : []) {
    if (it?.type === "function_call") names.set(it.call_id, it.name);
    if (it?.type === "function_call_output") out.push({ callId: it.call_id, name: names.get(it.call_id) ?? "", output: text(it.output) });
  }
  return out;
}

/** What `toolScript` calls for this request (see FakeOpenAIOptions.toolScript). */
export function scriptedToolCalls(script: ToolScriptEntry[], body: any): FakeToolCall[] {
  const offered = new Set(offeredTools(body));
  const answered = new Set(toolResults(body).map((r) => r.name));
  return script
    .filter((e) => offered.has(e.name) && !answered.has(e.name) && (e.after === undefined || answered.has(e.after)))
    .map(({ name, arguments: args }) => ({ name, arguments: args }));
}

// Argument JSON streamed in pieces of a few characters, as OpenAI streams them (never whole).
const argPieces = (s: string) => s.match(/[\s\S]{1,7}/g) ?? [""];

export interface FakeOpenAI {
  url: string;
  port: number;
  set(opts: Partial<FakeOpenAIOptions>): void;
  reset(): void;
  requests: Array<{ path: string; body: any; headers: http.IncomingHttpHeaders; at: number }>;
  openConnections(): number;
  /** Responses whose client went away before the server finished writing (an aborted model call). */
  closedEarly: number;
  close(): Promise<void>;
}

const words = (s: string) => s.match(/\s*\S+\s*/g) ?? [];

function userTexts(body: any): { all: string; last: string } {
  const texts: string[] = [];
  let last = "";
  const push = (role: string, c: unknown) => {
    const t = typeof c === "string" ? c : Array.isArray(c) ? c.map((p: any) => p?.text ?? "").join("") : "";
    texts.push(t);
    if (role === "user") last = t;
  };
  for (const m of body.messages ?? []) push(m.role, m.content);
  if (typeof body.input === "string") push("user", body.input);
  else for (const m of body.input ?? []) push(m.role, m.content);
  if (typeof body.instructions === "string") texts.push(body.instructions);
  return { all: texts.join(" "), last };
}

export async function startFakeOpenAI(initial: FakeOpenAIOptions & { port?: number } = {}): Promise<FakeOpenAI> {
  const defaults: FakeOpenAIOptions = { tokens: 20, firstTokenDelayMs: 0, tokenDelayMs: 0, fault: null };
  let opts: FakeOpenAIOptions = { ...defaults, ...initial };
  let open = 0;
  const state: FakeOpenAI = {
    url: "",
    port: 0,
    requests: [],
    closedEarly: 0,
    set: (o) => void (opts = { ...opts, ...o }),
    reset: () => void (opts = { ...defaults, ...initial }),
    openConnections: () => open,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      let body: any = {};
      try {
        body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : {};
      } catch {
        res.writeHead(400, { "content-type": "application/json" });
        return res.end(JSON.stringify({ error: { message: "invalid JSON", type: "invalid_request_error", code: null } }));
      }
      const path = (req.url ?? "").split("?")[0]!;
      if (state.requests.length > 1000) state.requests.splice(0, 500);
      state.requests.push({ path, body, headers: req.headers, at: Date.now() });
      let o = opts;
      const override = req.headers["x-fake-options"];
      if (typeof override === "string") o = { ...o, ...JSON.parse(override) };
      // Out-of-process control (benchmarks, a server under test in another process): POST /__control {options}.
      if (req.method === "POST" && path === "/__control") {
        if (body.reset) state.reset();
        else state.set(body);
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(JSON.stringify({ ok: true, closedEarly: state.closedEarly, open }));
      }
      if (req.method === "GET" && path === "/v1/models") {
        res.writeHead(200, { "content-type": "application/json" });
        return res.end(
          JSON.stringify({ object: "list", data: [{ id: "fake-model", object: "model", created: 0, owned_by: "flowgate-tests" }] }),
        );
      }
      if (req.method !== "POST" || (path !== "/v1/chat/completions" && path !== "/v1/responses")) {
        res.writeHead(404, { "content-type": "application/json" });
        return res.end(
          JSON.stringify({ error: { message: `no route ${req.method} ${path}`, type: "invalid_request_error", code: "not_found" } }),
        );
      }
      if (o.script?.length) {
        const [next, ...rest] = o.script;
        opts = { ...opts, script: rest };
        o = { ...o, fault: next ?? null };
      }
      respond(path === "/v1/responses" ? "responses" : "chat", body, o, req, res);
    });
  });

  function respond(api: "chat" | "responses", body: any, o: FakeOpenAIOptions, req: http.IncomingMessage, res: http.ServerResponse) {
    if (o.hold) return void o.hold.then(() => respond(api, body, { ...o, hold: undefined }, req, res));
    const httpFault = { http_429: 429, http_500: 500, http_401: 401, http_400: 400, http_404: 404, http_503: 503 }[o.fault as string];
    if (httpFault) {
      res.writeHead(httpFault, { "content-type": "application/json", ...(o.retryAfter ? { "retry-after": o.retryAfter } : {}) });
      const message = (o.errorMessage ?? `fake upstream fault ${httpFault}`).replace("{auth}", String(req.headers.authorization ?? ""));
      return res.end(JSON.stringify({ error: { message, type: httpFault === 429 ? "rate_limit_exceeded" : "server_error", code: null } }));
    }
    const { all, last } = userTexts(body);
    const calls = (o.toolCalls ? o.toolCalls(body) : o.toolScript ? scriptedToolCalls(o.toolScript, body) : null) ?? [];
    const fnCalls = calls.map((c, i) => ({
      name: c.name,
      args: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments ?? {}),
      callId: `call_${Math.random().toString(36).slice(2, 14)}${i}`,
      itemId: `fc_${Math.random().toString(36).slice(2, 14)}${i}`,
    }));
    const results = toolResults(body);
    const format = api === "chat" ? body.response_format : body.text?.format;
    const schema = format?.type === "json_schema" ? (format.json_schema?.schema ?? format.schema) : undefined;
    let toks = fnCalls.length
      ? []
      : o.structured && schema
        ? words(JSON.stringify(o.structured(all, schema)))
        : o.structuredText !== undefined && schema
          ? words(o.structuredText)
          : o.text !== undefined
            ? words(o.text)
            : results.length
              ? words(`Tool results: ${results.map((r) => r.output).join(" | ")}`)
              : o.echo
                ? words(last)
                : Array.from({ length: o.tokens ?? 20 }, (_, i) => `tok${i} `);
    const limit = api === "chat" ? (body.max_completion_tokens ?? body.max_tokens) : body.max_output_tokens;
    const truncated = typeof limit === "number" && toks.length > limit;
    if (truncated) toks = toks.slice(0, limit);
    const inputTokens = words(all).length;
    const outputTokens = toks.length + fnCalls.reduce((n, c) => n + Math.ceil((c.name.length + c.args.length) / 4), 0);
    const webSearch =
      api === "responses" && (body.tools ?? []).some((t: any) => t.type === "web_search" || t.type === "web_search_preview");
    const citations = webSearch ? (o.citations ?? []) : [];
    const text = toks.join("");
    const finish = fnCalls.length ? "tool_calls" : truncated ? "length" : "stop";
    const id = `${api === "chat" ? "chatcmpl" : "resp"}_${Math.random().toString(36).slice(2, 12)}`;
    const created = Math.floor(Date.now() / 1000);
    const model = body.model ?? "fake-model";

    if (!body.stream) {
      res.writeHead(200, { "content-type": "application/json" });
      if (api === "chat") {
        return res.end(
          JSON.stringify({
            id,
            object: "chat.completion",
            created,
            model,
            choices: [
              {
                index: 0,
                message: fnCalls.length
                  ? {
                      role: "assistant",
                      content: null,
                      tool_calls: fnCalls.map((c) => ({ id: c.callId, type: "function", function: { name: c.name, arguments: c.args } })),
                      refusal: null,
                    }
                  : { role: "assistant", content: text },
                finish_reason: finish,
              },
            ],
            usage: { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens },
          }),
        );
      }
      return res.end(
        JSON.stringify(
          responsesObject({
            id,
            created,
            model,
            text,
            citations,
            truncated,
            inputTokens,
            outputTokens,
            status: truncated ? "incomplete" : "completed",
            fnCalls,
          }),
        ),
      );
    }

    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    res.flushHeaders();
    open++;
    let finished = false;
    let timer: NodeJS.Timeout | undefined;
    const done = () => {
      if (finished) return;
      finished = true;
      open--;
      clearTimeout(timer);
    };
    res.on("close", () => {
      if (!finished) {
        state.closedEarly++;
        done();
      }
    });
    const send = (data: unknown, event?: string) => {
      if (!finished) res.write(`${event ? `event: ${event}\n` : ""}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
    };
    const end = () => {
      if (finished) return;
      done();
      res.end();
    };
    if (o.fault === "hang_before_first_token") return; // headers sent, then nothing until the client leaves

    const faultAt = o.faultAfterTokens ?? Math.floor(toks.length / 2);
    const msgId = `msg_${id}`;
    const seq = { n: 0 };
    const r = (type: string, extra: object) => ({ type, sequence_number: seq.n++, ...extra });
    const steps: Array<() => boolean | void> = [];

    if (api === "chat") {
      const chunk = (delta: object, finish: string | null = null, extra: object = {}) => ({
        id,
        object: "chat.completion.chunk",
        created,
        model,
        choices: [{ index: 0, delta, finish_reason: finish }],
        ...extra,
      });
      if (fnCalls.length) {
        // OpenAI's shape: the first chunk carries the role and the first call's id and name with empty
        // arguments; then argument pieces by index; each later call opens with its id and name.
        fnCalls.forEach((c, index) => {
          const head = { index, id: c.callId, type: "function", function: { name: c.name, arguments: "" } };
          steps.push(() =>
            send(chunk(index === 0 ? { role: "assistant", content: null, tool_calls: [head], refusal: null } : { tool_calls: [head] })),
          );
          argPieces(c.args).forEach((a) => steps.push(() => send(chunk({ tool_calls: [{ index, function: { arguments: a } }] }))));
        });
      } else steps.push(() => send(chunk({ role: "assistant", content: "" })));
      toks.forEach((t) => steps.push(() => send(chunk({ content: t }))));
      steps.push(() => send(chunk({}, finish)));
      if (body.stream_options?.include_usage) {
        steps.push(() =>
          send({
            id,
            object: "chat.completion.chunk",
            created,
            model,
            choices: [],
            usage: { prompt_tokens: inputTokens, completion_tokens: outputTokens, total_tokens: inputTokens + outputTokens },
          }),
        );
      }
      steps.push(() => send("[DONE]"));
    } else {
      const base = { id, object: "response", created_at: created, model, status: "in_progress", output: [] };
      steps.push(() => send(r("response.created", { response: base }), "response.created"));
      steps.push(() => send(r("response.in_progress", { response: base }), "response.in_progress"));
      let outIndex = 0;
      if (webSearch) {
        const wsId = `ws_${id}`;
        const action = { type: "search", query: last.slice(0, 100), sources: citations.map((url) => ({ type: "url", url })) };
        steps.push(() =>
          send(
            r("response.output_item.added", { output_index: 0, item: { type: "web_search_call", id: wsId, status: "in_progress" } }),
            "response.output_item.added",
          ),
        );
        steps.push(() =>
          send(
            r("response.output_item.done", { output_index: 0, item: { type: "web_search_call", id: wsId, status: "completed", action } }),
            "response.output_item.done",
          ),
        );
        outIndex = 1;
      }
      fnCalls.forEach((c, k) => {
        const output_index = outIndex + k;
        const item = { id: c.itemId, type: "function_call", status: "in_progress", arguments: "", call_id: c.callId, name: c.name };
        steps.push(() => send(r("response.output_item.added", { output_index, item }), "response.output_item.added"));
        argPieces(c.args).forEach((delta) =>
          steps.push(() =>
            send(
              r("response.function_call_arguments.delta", { item_id: c.itemId, output_index, delta }),
              "response.function_call_arguments.delta",
            ),
          ),
        );
        steps.push(() =>
          send(
            r("response.function_call_arguments.done", { item_id: c.itemId, output_index, arguments: c.args }),
            "response.function_call_arguments.done",
          ),
        );
        steps.push(() =>
          send(
            r("response.output_item.done", { output_index, item: { ...item, status: "completed", arguments: c.args } }),
            "response.output_item.done",
          ),
        );
      });
      const oi = outIndex;
      // A turn that calls functions has no message item (OpenAI sends content and calls together only rarely).
      if (!fnCalls.length) {
        steps.push(() =>
          send(
            r("response.output_item.added", {
              output_index: oi,
              item: { type: "message", id: msgId, status: "in_progress", role: "assistant", content: [] },
            }),
            "response.output_item.added",
          ),
        );
        steps.push(() =>
          send(
            r("response.content_part.added", {
              item_id: msgId,
              output_index: oi,
              content_index: 0,
              part: { type: "output_text", text: "", annotations: [] },
            }),
            "response.content_part.added",
          ),
        );
        toks.forEach((t) =>
          steps.push(() =>
            send(
              r("response.output_text.delta", { item_id: msgId, output_index: oi, content_index: 0, delta: t, logprobs: [] }),
              "response.output_text.delta",
            ),
          ),
        );
        const annotations = citations.map((url, i) => ({
          type: "url_citation",
          start_index: 0,
          end_index: Math.min(text.length, 10),
          url,
          title: `Source ${i + 1}`,
        }));
        annotations.forEach((a, i) =>
          steps.push(() =>
            send(
              r("response.output_text.annotation.added", {
                item_id: msgId,
                output_index: oi,
                content_index: 0,
                annotation_index: i,
                annotation: a,
              }),
              "response.output_text.annotation.added",
            ),
          ),
        );
        steps.push(() =>
          send(
            r("response.output_text.done", { item_id: msgId, output_index: oi, content_index: 0, text, logprobs: [] }),
            "response.output_text.done",
          ),
        );
        steps.push(() =>
          send(
            r("response.content_part.done", {
              item_id: msgId,
              output_index: oi,
              content_index: 0,
              part: { type: "output_text", text, annotations },
            }),
            "response.content_part.done",
          ),
        );
        steps.push(() =>
          send(
            r("response.output_item.done", {
              output_index: oi,
              item: {
                type: "message",
                id: msgId,
                status: "completed",
                role: "assistant",
                content: [{ type: "output_text", text, annotations }],
              },
            }),
            "response.output_item.done",
          ),
        );
      }
      const status = truncated ? "incomplete" : "completed";
      const final = responsesObject({ id, created, model, text, citations, truncated, inputTokens, outputTokens, status, fnCalls });
      steps.push(() => send(r(`response.${status}`, { response: final }), `response.${status}`));
    }

    // Faults injected after `faultAt` text deltas.
    let deltasSent = 0;
    const isDelta = (i: number) => (api === "chat" ? i >= 1 && i <= toks.length : false);
    const firstDeltaStep = api === "chat" ? 1 : steps.findIndex((_, i) => i > 0 && i === stepsIndexOfFirstDelta());
    function stepsIndexOfFirstDelta() {
      return (webSearch ? 4 : 2) + 2;
    }
    let i = 0;
    const tick = () => {
      if (finished) return;
      const deltaStep = api === "chat" ? isDelta(i) : i >= firstDeltaStep && i < firstDeltaStep + toks.length;
      if (deltaStep && deltasSent === faultAt && o.fault && o.fault !== null) {
        if (o.fault === "drop_mid_stream") {
          done();
          return void res.destroy();
        }
        if (o.fault === "malformed_sse") {
          res.write("data: {not json\n\n");
          return end();
        }
        if (o.fault === "error_event_mid_stream") {
          if (api === "chat") send({ error: { message: "fake upstream overloaded", type: "server_error", code: "overloaded" } });
          else send(r("error", { code: "server_error", message: "fake upstream overloaded", param: null }), "error");
          return end();
        }
      }
      if (i >= steps.length) return end();
      steps[i]!();
      if (deltaStep) deltasSent++;
      i++;
      let delay = deltaStep ? (o.tokenDelayMs ?? 0) : i === firstDeltaStep ? (o.firstTokenDelayMs ?? 0) : 0;
      if (deltaStep && deltasSent === toks.length && o.finishDelayMs) delay = o.finishDelayMs;
      if (delay > 0) timer = setTimeout(tick, delay);
      else setImmediate(tick);
    };
    tick();
  }

  await new Promise<void>((r) => server.listen(initial.port ?? 0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  state.port = port;
  state.url = `http://127.0.0.1:${port}/v1`;
  return state;
}

function responsesObject(p: {
  id: string;
  created: number;
  model: string;
  text: string;
  citations: string[];
  truncated: boolean;
  inputTokens: number;
  outputTokens: number;
  status: string;
  fnCalls: Array<{ name: string; args: string; callId: string; itemId: string }>;
}) {
  const output: any[] = [];
  if (p.citations.length) {
    output.push({
      type: "web_search_call",
      id: `ws_${p.id}`,
      status: "completed",
      action: { type: "search", query: "q", sources: p.citations.map((url) => ({ type: "url", url })) },
    });
  }
  for (const c of p.fnCalls)
    output.push({ id: c.itemId, type: "function_call", status: "completed", arguments: c.args, call_id: c.callId, name: c.name });
  if (!p.fnCalls.length)
    output.push({
      type: "message",
      id: `msg_${p.id}`,
      status: "completed",
      role: "assistant",
      content: [
        {
          type: "output_text",
          text: p.text,
          annotations: p.citations.map((url, i) => ({
            type: "url_citation",
            start_index: 0,
            end_index: Math.min(p.text.length, 10),
            url,
            title: `Source ${i + 1}`,
          })),
        },
      ],
    });
  return {
    id: p.id,
    object: "response",
    created_at: p.created,
    model: p.model,
    status: p.status,
    incomplete_details: p.truncated ? { reason: "max_output_tokens" } : null,
    output,
    usage: {
      input_tokens: p.inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: p.outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: p.inputTokens + p.outputTokens,
    },
  };
}
