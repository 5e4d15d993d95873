// metrics: a minimal Prometheus registry for the proxy (counters and one latency histogram) until
// pkg/telemetry provides the shared one. Takes increments (latency observed in milliseconds); gives the
// text exposition format in base units (the histogram in seconds, as promtool check metrics requires).
// Must not: put unbounded values (paths, ids) into labels.
import type { TrailerDropReason, TrailersDropped } from "./request-trailers.ts";

type Labels = Readonly<Record<string, string>>;

const needsEscape = /[\\"\n]/;

/** Keys of frozen label sets, computed once (hot paths pass the same frozen objects). */
const frozenKeys = new WeakMap<Labels, string>();

/** Label set as exposition text; callers pass labels in a fixed key order, so no sorting here. */
function labelKey(labels: Labels): string {
  const known = frozenKeys.get(labels);
  if (known !== undefined) return known;
  let s = "";
  for (const k in labels) {
    const raw = labels[k]!;
    const v = needsEscape.test(raw) ? raw.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : raw;
    s += `${s === "" ? "" : ","}${k}="${v}"`;
  }
  if (Object.isFrozen(labels)) frozenKeys.set(labels, s);
  return s;
}

export class Counter {
  readonly name: string;
  readonly help: string;
  private readonly values = new Map<string, number>();
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
  inc(labels: Labels = {}, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} counter\n`;
    for (const [k, v] of this.values) out += `${this.name}${k === "" ? "" : `{${k}}`} ${v}\n`;
    return out;
  }
}

export class Gauge {
  readonly name: string;
  readonly help: string;
  value = 0;
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
  render(): string {
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} gauge\n${this.name} ${this.value}\n`;
  }
}

const bucketsMs = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

export class Histogram {
  readonly name: string;
  readonly help: string;
  private readonly counts = new Array<number>(bucketsMs.length + 1).fill(0);
  private sum = 0;
  private count = 0;
  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }
  observe(ms: number): void {
    let i = 0;
    while (i < bucketsMs.length && ms > bucketsMs[i]!) i++;
    this.counts[i]!++;
    this.sum += ms;
    this.count++;
  }
  render(): string {
    let out = `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} histogram\n`;
    let acc = 0;
    for (let i = 0; i < bucketsMs.length; i++) {
      acc += this.counts[i]!;
      out += `${this.name}_bucket{le="${bucketsMs[i]! / 1000}"} ${acc}\n`;
    }
    out += `${this.name}_bucket{le="+Inf"} ${this.count}\n${this.name}_sum ${this.sum / 1000}\n${this.name}_count ${this.count}\n`;
    return out;
  }
}

export class ProxyMetrics {
  readonly requests = new Counter("weft_proxy_requests_total", "Downstream requests by face and status class.");
  readonly failures = new Counter("weft_proxy_failures_total", "Requests answered by the proxy itself, by x-weft-error code.");
  readonly retries = new Counter("weft_proxy_retries_total", "Upstream retries.");
  readonly retryBudgetExhausted = new Counter("weft_proxy_retry_budget_exhausted_total", "Retries refused by the retry budget.");
  readonly mirrors = new Counter("weft_proxy_mirrored_requests_total", "Requests copied to a mirror cluster.");
  readonly connections = new Gauge("weft_proxy_downstream_connections", "Open downstream connections.");
  readonly rejectedConnections = new Counter("weft_proxy_rejected_connections_total", "Connections closed by the connection cap or protocol detection.");
  readonly latency = new Histogram("weft_proxy_request_duration_seconds", "Downstream request duration in seconds.");
  readonly resentStreams = new Counter("weft_proxy_upstream_streams_resent_total", "HTTP/2 streams the upstream never processed (REFUSED_STREAM, above a GOAWAY's last stream id), sent again.");
  /** An unprocessed upstream stream sent again (upstream/h2-own-call.ts): counted. */
  readonly streamResent = (): void => this.resentStreams.inc();
  readonly trailers = new Counter("weft_proxy_trailers_dropped_total", "Trailer sections the proxy could not pass on, by direction and reason.");
  /** Frozen label sets of `trailers`, one per direction and reason (made on first use). */
  private readonly trailerLabels = new Map<string, Readonly<Record<string, string>>>();
  /** A trailer section not passed on (request-trailers.ts): counted. */
  readonly trailersDropped: TrailersDropped = (direction: "request" | "response", reason: TrailerDropReason) => {
    const key = `${direction}|${reason}`;
    let labels = this.trailerLabels.get(key);
    if (labels === undefined) {
      labels = Object.freeze({ direction, reason });
      this.trailerLabels.set(key, labels);
    }
    this.trailers.inc(labels);
  };
  render(): string {
    return [this.requests, this.failures, this.retries, this.retryBudgetExhausted, this.mirrors, this.connections, this.rejectedConnections, this.latency, this.trailers, this.resentStreams]
      .map((m) => m.render()).join("");
  }
}
