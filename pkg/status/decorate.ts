// decorate: the one place where statuses translate built get what only the running controller
// knows — `weft.dev/Programmed` on route parents (how many proxies applied the route's generation,
// programmed.ts), `weft.dev/MeshTLS` on route parents (whether the route's backends are reached over
// mTLS or partly in plaintext, from the live endpoints, mesh-tls.ts), the addresses of a Gateway's
// provisioned Service, and a provisioned Gateway's Programmed condition from its Deployment and proxies
// (gateway-programmed.ts). Translate builds every status once; the controller decorates it here, once
// per write, and nowhere else.
// Takes statuses and the live facts (a programmed counter, a backend transport lookup, a Gateway
// address lookup, the gateways' data plane); gives new statuses.
// Must not: mutate its input, or change any condition but weft.dev/Programmed, weft.dev/MeshTLS and a
// Gateway's Programmed.
import type { StatusUpdate } from "../api/index.ts";
import { withGatewayProgrammed, type GatewayDataPlane } from "./gateway-programmed.ts";
import { withMeshTlsConditions, type BackendTransportLookup } from "./mesh-tls.ts";
import { withProgrammedConditions, type ProgrammedCounter } from "./programmed.ts";

export interface GatewayAddress {
  readonly type: string;
  readonly value: string;
}

export interface StatusDecoration {
  /** Proxies that acknowledged a route's generation (the distribution server's programmedCount). */
  readonly programmed: ProgrammedCounter;
  /** A route's backends with ready and mTLS endpoint counts; absent: no weft.dev/MeshTLS condition. */
  readonly backendTransport?: BackendTransportLookup;
  /** A Gateway's provisioned addresses; undefined (or no function) keeps what translate wrote. */
  readonly gatewayAddresses?: (namespace: string, name: string) => readonly GatewayAddress[] | undefined;
  /** Provisioned Gateways' Deployments and proxies; absent (no provisioner) keeps translate's Programmed. */
  readonly gatewayDataPlane?: GatewayDataPlane;
}

export function decorateStatuses(statuses: readonly StatusUpdate[], d: StatusDecoration): readonly StatusUpdate[] {
  const addressed = d.gatewayAddresses === undefined ? statuses : statuses.map((u) => {
    if (!("listeners" in u)) return u;
    const addresses = d.gatewayAddresses?.(u.target.namespace, u.target.name);
    return addresses === undefined ? u : { ...u, addresses };
  });
  const gatewaysProgrammed = d.gatewayDataPlane === undefined ? addressed : withGatewayProgrammed(addressed, d.gatewayDataPlane);
  const programmed = withProgrammedConditions(gatewaysProgrammed, d.programmed);
  return d.backendTransport === undefined ? programmed : withMeshTlsConditions(programmed, d.backendTransport);
}
