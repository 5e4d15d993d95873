// endpoint-chooser: from a cluster to one endpoint. Usable endpoints are the ready ones; when none is
// ready, serving-but-terminating ones (EndpointSlice semantics); none ⇒ undefined (the stack answers 503).
// Takes ClusterIR values (cached per object, so a config swap recomputes) and a balancer kind; gives an
// endpoint plus its stats. Must not: pick an endpoint that is neither ready nor serving.
import type { ClusterIR, EndpointIR } from "../../ir/types.ts";
import { pickP2cEwma } from "./p2c-ewma.ts";
import { RoundRobinCursor } from "./round-robin.ts";
import { endpointKey } from "../endpoint-key.ts";
import { type EndpointStats, EndpointStatsTable } from "./endpoint-stats.ts";

export type BalancerKind = "p2c-ewma" | "round-robin";

interface ClusterView {
  readonly candidates: readonly EndpointIR[];
  readonly stats: readonly EndpointStats[];
  readonly cursor: RoundRobinCursor;
}

export class EndpointChooser {
  private readonly kind: BalancerKind;
  private readonly random: () => number;
  private readonly views = new WeakMap<ClusterIR, ClusterView>();
  readonly stats = new EndpointStatsTable();
  constructor(kind: BalancerKind, random: () => number) {
    this.kind = kind;
    this.random = random;
  }

  private viewOf(cluster: ClusterIR): ClusterView {
    let v = this.views.get(cluster);
    if (v === undefined) {
      let candidates = cluster.endpoints.filter((e) => e.ready && !e.terminating);
      if (candidates.length === 0) candidates = cluster.endpoints.filter((e) => e.serving);
      v = { candidates, stats: candidates.map((e) => this.stats.get(endpointKey(e.address, e.port))), cursor: new RoundRobinCursor() };
      this.views.set(cluster, v);
    }
    return v;
  }

  usableCount(cluster: ClusterIR): number {
    return this.viewOf(cluster).candidates.length;
  }

  /** One endpoint, preferring one other than `avoid` (the endpoint a failed attempt used). */
  choose(cluster: ClusterIR, avoid?: EndpointIR): { endpoint: EndpointIR; stats: EndpointStats } | undefined {
    const v = this.viewOf(cluster);
    const i = this.kind === "round-robin" ? v.cursor.pick(v.candidates, avoid) : pickP2cEwma(v.candidates, v.stats, this.random, avoid);
    if (i < 0) return undefined;
    return { endpoint: v.candidates[i]!, stats: v.stats[i]! };
  }

  /** The usable endpoint with this "address:port" key (session persistence), if it still is one. */
  find(cluster: ClusterIR, key: string): { endpoint: EndpointIR; stats: EndpointStats } | undefined {
    const v = this.viewOf(cluster);
    for (let i = 0; i < v.candidates.length; i++) {
      const e = v.candidates[i]!;
      if (endpointKey(e.address, e.port) === key) return { endpoint: e, stats: v.stats[i]! };
    }
    return undefined;
  }

  /** Drop stats of endpoints that left every cluster. */
  retain(clusters: Iterable<ClusterIR>): void {
    const keys = new Set<string>();
    for (const c of clusters) for (const e of c.endpoints) keys.add(endpointKey(e.address, e.port));
    this.stats.retain(keys);
  }
}
