// tracing-env: the tracing config from environment variables, shared by every process so the
// controller, gateways and injected sidecars read the same names: WEFT_TRACING_ENDPOINT (tracing
// is on when set), WEFT_TRACING_PROTOCOL (grpc|http, default grpc), WEFT_TRACING_SAMPLING_RATIO
// (0..1, default 0.01), WEFT_TRACING_PROPAGATORS (comma list, default tracecontext,baggage,b3); and of the
// standard OpenTelemetry variables (OTEL_ENV) OTEL_TRACES_SAMPLER/OTEL_TRACES_SAMPLER_ARG, which win over the
// ratio as in every OTel SDK — parent-based samplers only, since every Weft hop follows its caller's decision
// (OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES are read by the SDK's env detector, tracing.ts).
// otelEnvOf(env) picks the OTEL_ENV variables a controller passes on to the proxies it injects and provisions.
// Takes an env record; gives a TracingConfig (undefined = off) or the problems found.
// Must not: read process.env itself (callers pass it), or throw.
import { validateTracingConfig, type PropagatorName, type TracingConfig } from "./tracing-types.ts";

export const TRACING_ENV = {
  endpoint: "WEFT_TRACING_ENDPOINT",
  protocol: "WEFT_TRACING_PROTOCOL",
  samplingRatio: "WEFT_TRACING_SAMPLING_RATIO",
  propagators: "WEFT_TRACING_PROPAGATORS",
} as const;

/** The propagators a process uses when WEFT_TRACING_PROPAGATORS is unset. */
export const DEFAULT_PROPAGATORS: readonly PropagatorName[] = ["tracecontext", "baggage", "b3"];

/** The standard OpenTelemetry variables Weft honours: on every process, and passed on by the controller. */
export const OTEL_ENV = ["OTEL_SERVICE_NAME", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG"] as const;
export type OtelEnvName = (typeof OTEL_ENV)[number];

/** The OTEL_ENV variables set (non-empty) in `env`. */
export function otelEnvOf(env: Readonly<Record<string, string | undefined>>): Partial<Record<OtelEnvName, string>> {
  const out: Partial<Record<OtelEnvName, string>> = {};
  for (const k of OTEL_ENV) {
    const v = env[k]?.trim();
    if (v !== undefined && v !== "") out[k] = v;
  }
  return out;
}

/** OTEL_TRACES_SAMPLER values Weft takes; the ratio each means (undefined: OTEL_TRACES_SAMPLER_ARG, default 1). */
const PARENT_BASED_SAMPLERS: Readonly<Record<string, number | undefined>> = { parentbased_traceidratio: undefined, parentbased_always_on: 1, parentbased_always_off: 0 };

const RATIO = /^\d*\.?\d+(e-?\d+)?$/i;

/** The sampling ratio OTEL_TRACES_SAMPLER(_ARG) set, undefined when unset, or a problem. */
function otelSamplerRatio(env: Readonly<Record<string, string | undefined>>): { ratio?: number; problem?: string } {
  const sampler = env["OTEL_TRACES_SAMPLER"]?.trim().toLowerCase();
  if (sampler === undefined || sampler === "") return {};
  if (!(sampler in PARENT_BASED_SAMPLERS)) {
    return {
      problem: `OTEL_TRACES_SAMPLER=${JSON.stringify(sampler.slice(0, 40))} is not supported: every Weft hop follows its caller's sampling decision, so use ${
        Object.keys(PARENT_BASED_SAMPLERS).join(", ")
      }`,
    };
  }
  const fixed = PARENT_BASED_SAMPLERS[sampler];
  if (fixed !== undefined) return { ratio: fixed };
  const arg = env["OTEL_TRACES_SAMPLER_ARG"]?.trim();
  if (arg === undefined || arg === "") return { ratio: 1 };
  const ratio = RATIO.test(arg) ? Number(arg) : Number.NaN;
  return ratio >= 0 && ratio <= 1 ? { ratio } : { problem: `OTEL_TRACES_SAMPLER_ARG=${JSON.stringify(arg.slice(0, 40))} is not a ratio in [0, 1]` };
}

export function tracingConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  serviceName: string,
  resourceAttributes?: Readonly<Record<string, string>>,
): { config: TracingConfig | undefined; problems: string[] } {
  const endpoint = env[TRACING_ENV.endpoint]?.trim();
  if (endpoint === undefined || endpoint === "") return { config: undefined, problems: [] };
  const ratioRaw = env[TRACING_ENV.samplingRatio]?.trim();
  const otel = otelSamplerRatio(env);
  const ratio = otel.ratio ?? (ratioRaw === undefined || ratioRaw === "" ? 0.01 : RATIO.test(ratioRaw) ? Number(ratioRaw) : Number.NaN);
  const propagatorsRaw = env[TRACING_ENV.propagators]?.trim();
  const propagators = propagatorsRaw === undefined || propagatorsRaw === "" ?
    DEFAULT_PROPAGATORS :
    propagatorsRaw.split(",").map((p) => p.trim()).filter((p) => p !== "") as PropagatorName[];
  const config: TracingConfig = {
    serviceName,
    otlpEndpoint: endpoint,
    protocol: (env[TRACING_ENV.protocol]?.trim() || "grpc") as "grpc" | "http",
    samplingRatio: ratio,
    propagators,
    ...(resourceAttributes === undefined ? {} : { resourceAttributes }),
  };
  const problems = [...(otel.problem === undefined ? [] : [otel.problem]), ...validateTracingConfig(config)];
  return problems.length > 0 ? { config: undefined, problems } : { config, problems };
}
