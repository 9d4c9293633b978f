import { SpanStatusCode, trace, type Attributes, type Span } from "@opentelemetry/api";
import { AppError } from "@/lib/errors";
import { processSingleton } from "@/lib/process-singleton";

// The app's only tracer calls. Off (no OTLP endpoint configured) every helper is a plain call of
// the function it wraps: no span objects, no context switches. The flag is per process (Next
// bundles instrumentation.ts and the route handlers separately).
const tracing = processSingleton("tracing", (): { flush?: () => Promise<void> } => ({}));

/** Called by startTracing once the SDK is registered. */
export function markTracingStarted(flush: () => Promise<void>) {
  tracing.flush = flush;
}

export const tracingOn = () => tracing.flush !== undefined;

/** Exports the spans still buffered (a shutdown calls it before the process exits). */
export async function flushTracing() {
  await tracing.flush?.().catch(() => {});
}

/**
 * Runs `fn` inside a span that is the active one for everything `fn` starts (so nested spans
 * become its children). A thrown error marks the span failed with its code only: messages may
 * quote inputs, and spans never carry inputs or secrets.
 */
export function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  if (!tracing.flush) return fn(undefined);
  return trace.getTracer("flowgate").startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      const code = e instanceof AppError ? e.code : e instanceof Error ? e.name : "error";
      span.setAttribute("error.type", code);
      // A client's mistake (4xx) is not a failure of this operation's server side.
      if (!(e instanceof AppError) || e.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      throw e;
    } finally {
      span.end();
    }
  });
}

/** Adds attributes to the current span (the request's, or the step's around the call). */
export function annotateSpan(attributes: Attributes) {
  if (tracing.flush) trace.getActiveSpan()?.setAttributes(attributes);
}

/**
 * The span of one API request, named after its route spec ("POST /api/v1/run/{workflow_id}"). It
 * ends when the handler has its response: for a stream that is the first token, and the model
 * call and settlement spans (its children) end with the stream.
 */
export function inRequestSpan(method: string, path: string, requestId: string, fn: () => Promise<Response>): Promise<Response> {
  if (!tracing.flush) return fn();
  const attributes = { "http.request.method": method, "http.route": path, "flowgate.request_id": requestId };
  return inSpan(`${method} ${path}`, attributes, async (span) => {
    const res = await fn();
    span!.setAttribute("http.response.status_code", res.status);
    if (res.status >= 500) span!.setStatus({ code: SpanStatusCode.ERROR });
    return res;
  });
}
