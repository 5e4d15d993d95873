// tracing-env: the tracing config from environment variables, shared by every process so the
// controller, gateways and injected sidecars read the same names: WEFT_TRACING_ENDPOINT (tracing
// is on when set), WEFT_TRACING_PROTOCOL (grpc|http, default grpc), WEFT_TRACING_SAMPLING_RATIO
// (0..1, default 0.01), WEFT_TRACING_PROPAGATORS (comma list, default tracecontext,baggage,b3).
// Takes an env record; gives a TracingConfig (undefined = off) or the problems found.
// Must not: read process.env itself (callers pass it), or throw.
import { validateTracingConfig, type PropagatorName, type TracingConfig } from "./tracing-types.ts";

export const TRACING_ENV = {
  endpoint: "WEFT_TRACING_ENDPOINT",
  protocol: "WEFT_TRACING_PROTOCOL",
  samplingRatio: "WEFT_TRACING_SAMPLING_RATIO",
  propagators: "WEFT_TRACING_PROPAGATORS",
} as const;

export function tracingConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  serviceName: string,
  resourceAttributes?: Readonly<Record<string, string>>,
): { config: TracingConfig | undefined; problems: string[] } {
  const endpoint = env[TRACING_ENV.endpoint]?.trim();
  if (endpoint === undefined || endpoint === "") return { config: undefined, problems: [] };
  const ratioRaw = env[TRACING_ENV.samplingRatio]?.trim();
  const ratio = ratioRaw === undefined || ratioRaw === "" ? 0.01 : /^\d*\.?\d+(e-?\d+)?$/i.test(ratioRaw) ? Number(ratioRaw) : Number.NaN;
  const propagatorsRaw = env[TRACING_ENV.propagators]?.trim();
  const propagators = (propagatorsRaw === undefined || propagatorsRaw === "" ? "tracecontext,baggage,b3" : propagatorsRaw)
    .split(",").map((p) => p.trim()).filter((p) => p !== "") as PropagatorName[];
  const config: TracingConfig = {
    serviceName,
    otlpEndpoint: endpoint,
    protocol: (env[TRACING_ENV.protocol]?.trim() || "grpc") as "grpc" | "http",
    samplingRatio: ratio,
    propagators,
    ...(resourceAttributes === undefined ? {} : { resourceAttributes }),
  };
  const problems = validateTracingConfig(config);
  return problems.length > 0 ? { config: undefined, problems } : { config, problems };
}
