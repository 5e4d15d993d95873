// balancer-layer: from the cluster to one endpoint for this try (balance/endpoint-chooser: P2C over
// peak-EWMA, or round robin, over the ready endpoints), avoiding the endpoint a retried try used; a
// session pin (spec §13) sends the first try to its endpoint while that is still usable, and an answer
// from another endpoint hands the client a fresh token. For the local app (inbound sidecar) the endpoint
// is 127.0.0.1:<port>, spoken to in its cluster's protocol. No usable endpoint ⇒ 503 no_endpoints.
// Takes the cluster (or the local app's port) and the next Dispatch; gives a Dispatch.
// Must not: choose an endpoint that is neither ready nor serving.
import type { OutgoingHttpHeaders } from "node:http";
import type { ClusterIR } from "../../ir/types.ts";
import type { EndpointChooser } from "../balance/endpoint-chooser.ts";
import { endpointKey } from "../endpoint-key.ts";
import { failure } from "../rescue.ts";
import type { Upstream } from "../upstream/upstream.ts";
import type { UpstreamTarget } from "../upstream/upstream-types.ts";
import type { Dispatch, ProxyRequest } from "./request.ts";
import { issueToken } from "./session-persistence.ts";

export function balancerLayer(chooser: EndpointChooser, upstream: Upstream, cluster: ClusterIR, next: Dispatch): Dispatch {
  /** The answer came from req.endpoint: a token naming it unless the request's pin already does. */
  const sessionToken = (req: ProxyRequest): void => {
    const session = req.session!;
    const key = endpointKey(req.endpoint!.address, req.endpoint!.port);
    const pin = session.pin;
    if (pin !== undefined && pin.endpoint === key && pin.cluster === cluster.id) {
      req.sessionHeaders = undefined;
      return;
    }
    const extra: OutgoingHttpHeaders = {};
    issueToken(session.sp, { cluster: cluster.id, endpoint: key }, Date.now(), extra);
    req.sessionHeaders = extra;
  };
  return (req, to) => {
    const avoid = req.avoid;
    const pin = avoid === undefined ? req.session?.pin : undefined;
    const pick = (pin !== undefined ? chooser.find(cluster, pin.endpoint) : undefined) ?? chooser.choose(cluster, avoid);
    if (pick === undefined) return to.fail(failure("no_endpoints", "no ready endpoints"));
    req.endpoint = pick.endpoint;
    req.stats = pick.stats;
    req.target = upstream.target(cluster, pick.endpoint, req.grpc);
    if (req.session === undefined) return next(req, to);
    next(req, {
      answer: (res) => {
        if (res !== undefined) sessionToken(req);
        to.answer(res);
      },
      fail: (e) => to.fail(e),
    });
  };
}

/** The local app's endpoint (inbound sidecar): HTTP/2 when its cluster says h2c or grpc (or, with no cluster known, for gRPC). */
export function localAppLayer(port: number, cluster: ClusterIR | undefined, next: Dispatch): Dispatch {
  const proto = cluster?.protocol;
  const h2 = proto === "h2c" || proto === "grpc";
  const plain: UpstreamTarget = { address: "127.0.0.1", port, protocol: h2 ? "h2" : "http1" };
  const grpc: UpstreamTarget = { address: "127.0.0.1", port, protocol: h2 || proto === undefined ? "h2" : "http1" };
  return (req, to) => {
    req.endpoint = undefined;
    req.stats = undefined;
    req.target = req.grpc ? grpc : plain;
    next(req, to);
  };
}
