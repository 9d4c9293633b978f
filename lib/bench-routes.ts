import { getEnv } from "@/lib/env";

// Reference routes for `npm run bench`, off unless FLOWGATE_BENCH_ROUTES=1: the framework floor
// (a trivial handler) and the bare pipe (fetch the upstream, pass its bytes through), so the
// gateway's cost can be read as a ratio against what Next itself costs on this machine.

export function benchRoutesEnabled() {
  return getEnv().FLOWGATE_BENCH_ROUTES;
}

export function floorResponse() {
  if (!benchRoutesEnabled()) return new Response(null, { status: 404 });
  return new Response("ok", { headers: { "content-type": "text/plain" } });
}

export async function pipeResponse(req: Request) {
  if (!benchRoutesEnabled()) return new Response(null, { status: 404 });
  const env = getEnv();
  const upstream = await fetch(`${env.OPENAI_BASE_URL}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${env.OPENAI_API_KEY ?? "x"}` },
    body: JSON.stringify({ model: "bench", stream: true, messages: [{ role: "user", content: await req.text() || "hi" }] }),
    signal: req.signal,
  });
  return new Response(upstream.body, { headers: { "content-type": "text/event-stream", "cache-control": "no-cache" } });
}
