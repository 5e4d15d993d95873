// metrics-registry: a Prometheus registry per process (prom-client), rendered in the Prometheus
// text exposition format by `renderMetrics()` for admin servers. Takes default labels; gives the
// registry that `registerProxyMetrics` / `registerControllerMetrics` add their metric sets to.
// Must not: use the prom-client global registry (tests and one process may hold several), or
// accept unbounded label values (see label-values.ts), or serve what `promtool check metrics` refuses:
// prom-client's default set has three gauges named *_total (nodejs_active_{handles,requests,resources}_total,
// the sums of their labelled twins, which stay), so they are dropped.
import { Registry, collectDefaultMetrics } from "prom-client";

export interface MetricsRegistry {
  /** The prom-client registry, for metric-set factories in this module. */
  readonly registry: Registry;
  /** Prometheus text exposition format (version 0.0.4). */
  renderMetrics(): Promise<string>;
  /** Content-Type header value for `renderMetrics()` output. */
  readonly contentType: string;
}

export interface MetricsRegistryOptions {
  /** Labels added to every series, e.g. { pod: "reviews-1" }. Keep them few and bounded. */
  readonly defaultLabels?: Readonly<Record<string, string>>;
  /** Also export process metrics (CPU, memory, event loop lag) with prefix `weft_process_`. */
  readonly processMetrics?: boolean;
}

const PROCESS_PREFIX = "weft_process_";
/** Default-set gauges whose names end in _total ("non-counter metrics should not have _total suffix"). */
const GAUGES_NAMED_TOTAL = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

export function createMetricsRegistry(opts: MetricsRegistryOptions = {}): MetricsRegistry {
  const registry = new Registry();
  if (opts.defaultLabels !== undefined) registry.setDefaultLabels({ ...opts.defaultLabels });
  if (opts.processMetrics === true) {
    collectDefaultMetrics({ register: registry, prefix: PROCESS_PREFIX });
    for (const name of GAUGES_NAMED_TOTAL) registry.removeSingleMetric(`${PROCESS_PREFIX}${name}`);
  }
  return {
    registry,
    renderMetrics: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
