import { getEnv } from "@/lib/env";
import { logger } from "@/lib/logger";
import { markTracingStarted } from "./trace";

/**
 * Starts the OpenTelemetry SDK when an OTLP endpoint is configured (instrumentation.ts, once per
 * server process). Without one nothing is loaded: the SDK modules are imported only here, and the
 * span helpers in ./trace.ts call the wrapped function directly.
 */
export async function startTracing(): Promise<boolean> {
  const env = getEnv();
  if (env.OTEL_SDK_DISABLED || !(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT)) return false;
  const [
    { context, propagation, trace },
    { AsyncLocalStorageContextManager },
    { W3CTraceContextPropagator },
    { OTLPTraceExporter },
    { resourceFromAttributes },
    { BatchSpanProcessor, TracerProvider },
  ] = await Promise.all([
    import("@opentelemetry/api"),
    import("@opentelemetry/context-async-hooks"),
    import("@opentelemetry/core"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/resources"),
    import("@opentelemetry/sdk-trace"),
  ]);
  // The exporter reads the endpoint, headers and timeout variables itself (OTLP/HTTP with JSON bodies).
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": env.OTEL_SERVICE_NAME }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  // An incoming `traceparent` (a caller's trace, or the balancer's) becomes the parent of Next's request span.
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  markTracingStarted(() => provider.forceFlush());
  // The origin only: an endpoint URL may carry credentials.
  logger.info("tracing on", {
    service: env.OTEL_SERVICE_NAME,
    endpoint: new URL(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? env.OTEL_EXPORTER_OTLP_ENDPOINT!).origin,
  });
  return true;
}
