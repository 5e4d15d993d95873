// mirror: RequestMirror (spec §10): copies of a request go to ONE endpoint of the mirror cluster, the
// share given by numerator/denominator; responses and errors are ignored. Only replayable (buffered)
// bodies are mirrored; in-flight copies are capped so mirroring cannot amplify load without bound.
// mirrorLayer sends the copies once per request (not per try), after every filter shaped the request.
// Takes the mirror filters and the request as it goes upstream; gives nothing back (the layer: the next
// Exchange, unchanged). Must not: delay or alter the primary request.
import type { OutgoingHttpHeaders } from "node:http";
import type { FilterIR } from "../../ir/types.ts";
import type { EndpointChooser } from "../balance/endpoint-chooser.ts";
import type { EngineState } from "../engine-types.ts";
import type { ProxyMetrics } from "../metrics.ts";
import type { Upstream } from "../upstream/upstream.ts";
import type { Exchange, ProxyRequest } from "./request.ts";

type MirrorFilter = Extract<FilterIR, { type: "RequestMirror" }>;

export class Mirror {
  private inflight = 0;
  private readonly max: number;
  private readonly chooser: EndpointChooser;
  private readonly upstream: Upstream;
  private readonly metrics: ProxyMetrics;
  private readonly random: () => number;
  constructor(chooser: EndpointChooser, upstream: Upstream, metrics: ProxyMetrics, random: () => number, max = 128) {
    this.chooser = chooser;
    this.upstream = upstream;
    this.metrics = metrics;
    this.random = random;
    this.max = max;
  }

  /** `onSent(cluster)` is called once per copy actually sent (for per-route telemetry). */
  send(filters: readonly MirrorFilter[], state: EngineState, req: { method: string; path: string; authority: string; headers: OutgoingHttpHeaders; body: Buffer | undefined },
    onSent?: (cluster: string) => void): void
  {
    for (const f of filters) {
      if (f.denominator <= 0 || this.random() * f.denominator >= f.numerator) continue;
      if (this.inflight >= this.max) continue;
      const cluster = state.clusters.get(f.cluster);
      if (cluster === undefined) continue;
      const pick = this.chooser.choose(cluster);
      if (pick === undefined) continue;
      const ep = pick.endpoint;
      this.inflight++;
      this.metrics.mirrors.inc({ cluster: f.cluster });
      onSent?.(f.cluster);
      const attempt = this.upstream.send(
        this.upstream.target(cluster, ep, false),
        { method: req.method, path: req.path, authority: req.authority, headers: { ...req.headers }, body: req.body },
      );
      const timer = setTimeout(() => attempt.abort(), 30_000);
      attempt.response.then(
        (res) => {
          res.body.on("error", () => {});
          res.body.resume();
          res.body.once("close", () => {
            this.inflight--;
            clearTimeout(timer);
          });
        },
        () => {
          this.inflight--;
          clearTimeout(timer);
        },
      );
    }
  }
}

/**
 * The layer: copies of the request to the mirror clusters (when its body is replayable: none or buffered),
 * then `next`. No mirror filters: `next` itself.
 */
export function mirrorLayer(mirror: Mirror, filters: readonly MirrorFilter[], onSent: (req: ProxyRequest, cluster: string) => void, next: Exchange): Exchange {
  if (filters.length === 0) return next;
  return (req, to) => {
    const body = req.body;
    if (body === undefined || Buffer.isBuffer(body)) {
      mirror.send(filters, req.state!, { method: req.method, path: req.pathWithQuery(), authority: req.authority, headers: req.headers, body }, (cluster) => onSent(req, cluster));
    }
    next(req, to);
  };
}
