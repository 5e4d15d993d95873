// peer-goals: the goal line for the Node reverse proxies a user would pick instead of Weft (issue goal 7):
// on each protocol both peers run, Weft ahead of every one of them on CPU per request and on p99.
// Takes the proxy benchmark's measured figures by "scenario:protocol"; gives one JSON line per protocol.
// Must not: measure anything itself.

/** The peers, as bench-node-peers.ts names them. */
export const nodePeers = ["http-proxy", "fastify-http-proxy"] as const;

export interface Measured {
  readonly cpu: number;
  readonly rps: number;
  readonly p99: number;
}

/** One "proxy-peers-goal" line per protocol Weft was measured on; a peer not measured there is listed as such. */
export function emitPeerGoals(measured: ReadonlyMap<string, Measured>, emit: (o: Record<string, unknown>) => void): void {
  for (const protocol of ["http1", "h2c"]) {
    const weft = measured.get(`weft:${protocol}`);
    if (weft === undefined) continue;
    const peers: Record<string, unknown> = {};
    let met = true;
    let any = false;
    for (const peer of nodePeers) {
      const m = measured.get(`${peer}:${protocol}`);
      if (m === undefined) {
        peers[peer] = "not measured";
        continue;
      }
      any = true;
      const ahead = weft.cpu < m.cpu && weft.p99 < m.p99;
      met &&= ahead;
      peers[peer] = { cpu_us_per_req: m.cpu, p99_us: m.p99, rps: Math.round(m.rps), weft_ahead: ahead };
    }
    emit({
      bench: "proxy-peers-goal",
      protocol,
      goal: "one Weft proxy ahead of http-proxy and @fastify/http-proxy on CPU per request and p99",
      weft: { cpu_us_per_req: weft.cpu, p99_us: weft.p99, rps: Math.round(weft.rps) },
      peers,
      met: any && met,
    });
  }
}
