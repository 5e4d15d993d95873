// controller-metrics: the control-plane metric set (translate, config distribution, CA).
// Takes a MetricsRegistry; gives typed metric handles.
// Must not: label with proxy ids, pod names or error messages (unbounded cardinality).
import { Counter, Gauge, Histogram } from "prom-client";
import type { MetricsRegistry } from "./metrics-registry.ts";

export interface ControllerMetrics {
  /** Seconds per full translate (snapshot → IR + statuses). */
  readonly translateDuration: Histogram;
  /** Seconds from a new IR version to the last connected proxy's ACK (or NACK). */
  readonly configPushDuration: Histogram;
  readonly proxiesConnected: Gauge;
  readonly configNacks: Counter;
  readonly certificatesSigned: Counter;
  /** Injection webhook decisions: injected "true"/"false", reason = the injector's report reason
   *  (a fixed set), "bad-request" for refused AdmissionReviews or "namespace-lookup-failed". */
  readonly injections: Counter<"injected" | "reason">;
}

/** Control-plane buckets (seconds): 1 ms .. 10 s. */
export const CONTROL_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export function registerControllerMetrics(m: MetricsRegistry): ControllerMetrics {
  const registers = [m.registry];
  return {
    translateDuration: new Histogram({ name: "weft_translate_duration_seconds", help: "Duration of a full translate of the resource snapshot, in seconds.", buckets: CONTROL_DURATION_BUCKETS,
      registers }),
    configPushDuration: new Histogram({ name: "weft_config_push_duration_seconds", help: "Time from a new config version to its acknowledgement by the connected proxies, in seconds.",
      buckets: CONTROL_DURATION_BUCKETS, registers }),
    proxiesConnected: new Gauge({ name: "weft_proxies_connected", help: "Proxies currently connected to the distribution server.", registers }),
    configNacks: new Counter({ name: "weft_config_nacks_total", help: "Config versions rejected (NACKed) by a proxy.", registers }),
    certificatesSigned: new Counter({ name: "weft_certificates_signed_total", help: "Workload certificates signed by the mesh CA.", registers }),
    injections: new Counter({ name: "weft_injections_total", help: "Sidecar injection webhook decisions, by outcome and reason.", labelNames: ["injected", "reason"] as const, registers }),
  };
}
