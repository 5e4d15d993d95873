// listeners: takes one Gateway of our class, gives a model of its listeners: which are accepted,
// conflicted, resolved and served, with their supportedKinds, namespace policy and certificates.
// Spec §6: HTTP/HTTPS only (TLS/TCP/UDP ⇒ Accepted=False/UnsupportedProtocol); listeners sharing a
// port must share a protocol (ProtocolConflict) and differ in hostname (HostnameConflict): the first
// in list order keeps the port, later ones are Conflicted; invalid kinds ⇒ InvalidRouteKinds.
// spec.addresses with a value (or not of type IPAddress) are not supported (the gateway's Service gets its address): noted for status.
// Must not: attach routes (parent-refs.ts) or write status (gateway-status.ts).
import type { Gateway, Listener } from "../api/index.ts";
import type { GroupKind, NamespacePolicy } from "./allowed-routes.ts";
import { listenerKinds, namespacePolicy } from "./allowed-routes.ts";
import { generationOf } from "./conditions.ts";
import { checkHostname } from "./hostnames.ts";
import type { ListenerReason } from "./reasons.ts";
import type { SnapshotIndex } from "./snapshot-index.ts";
import { nsOf } from "./snapshot-index.ts";
import type { SecretCache } from "./tls-certificates.ts";
import { resolveCertificateRefs } from "./tls-certificates.ts";
import type { TlsSecretIR } from "../ir/types.ts";

export interface ListenerProblem {
  readonly reason: ListenerReason;
  readonly message: string;
}

export interface ListenerModel {
  readonly listener: Listener;
  readonly id: string;
  readonly protocol: "HTTP" | "HTTPS" | undefined;
  readonly notAccepted?: ListenerProblem;
  conflicted?: ListenerProblem;
  readonly refProblems: readonly ListenerProblem[];
  readonly supportedKinds: readonly GroupKind[];
  readonly policy: NamespacePolicy;
  readonly secrets: readonly TlsSecretIR[];
}

export interface GatewayModel {
  readonly gateway: Gateway;
  readonly namespace: string;
  readonly name: string;
  readonly generation: number;
  readonly listeners: readonly ListenerModel[];
  /** Set when spec.addresses asks for something Weft cannot provide (conformance: Accepted=False). */
  readonly unsupportedAddress?: string;
  /** Set when spec.infrastructure.parametersRef names anything: Weft has no Gateway parameters kind. */
  readonly invalidParameters?: string;
}

/** Served = gets a ListenerIR and traffic. */
export function isServed(l: ListenerModel): boolean {
  return l.notAccepted === undefined && l.conflicted === undefined && l.protocol !== undefined && (l.protocol === "HTTP" || l.secrets.length > 0);
}

function modelListener(index: SnapshotIndex, cache: SecretCache, ns: string, gwName: string, l: Listener): ListenerModel {
  const id = `${ns}/${gwName}/${l.name}`;
  const protocol = l.protocol === "HTTP" || l.protocol === "HTTPS" ? l.protocol : undefined;
  const policy = namespacePolicy(l.allowedRoutes);
  let notAccepted: ListenerProblem | undefined;
  if (protocol === undefined) {
    notAccepted = { reason: "UnsupportedProtocol", message: `protocol ${String(l.protocol).slice(0, 32)} is not supported (HTTP, HTTPS)` };
  } else if (!Number.isInteger(l.port) || l.port < 1 || l.port > 65535) {
    notAccepted = { reason: "PortUnavailable", message: `port ${l.port} is not a valid port` };
  } else if (l.hostname !== undefined && checkHostname(l.hostname) !== undefined) {
    notAccepted = { reason: "UnsupportedValue", message: checkHostname(l.hostname)! };
  } else if (protocol === "HTTPS" && (l.tls?.mode ?? "Terminate") !== "Terminate") {
    notAccepted = { reason: "UnsupportedProtocol", message: `HTTPS listener tls.mode ${String(l.tls?.mode).slice(0, 32)} is not supported (Terminate)` };
  } else if (policy.from === "Invalid") {
    notAccepted = { reason: "UnsupportedValue", message: policy.message };
  }
  const kinds = listenerKinds(l.allowedRoutes, protocol !== undefined);
  const refProblems: ListenerProblem[] = [];
  if (kinds.invalid.length > 0) refProblems.push({ reason: "InvalidRouteKinds", message: `allowedRoutes.kinds ${kinds.invalid.join(", ")} not supported (HTTPRoute, GRPCRoute)` });
  let secrets: readonly TlsSecretIR[] = [];
  if (protocol === "HTTPS" && notAccepted === undefined) {
    const certs = resolveCertificateRefs(index, cache, ns, l.tls?.certificateRefs ?? []);
    secrets = certs.secrets;
    refProblems.push(...certs.problems);
  }
  return {
    listener: l,
    id,
    protocol,
    refProblems,
    supportedKinds: kinds.supportedKinds,
    policy,
    secrets,
    ...(notAccepted === undefined ? {} : { notAccepted }),
  };
}

function markConflicts(models: ListenerModel[]): void {
  const byPort = new Map<number, ListenerModel[]>();
  for (const m of models) {
    if (m.notAccepted !== undefined) continue;
    const list = byPort.get(m.listener.port);
    if (list) list.push(m);
    else byPort.set(m.listener.port, [m]);
  }
  for (const list of byPort.values()) {
    const first = list[0]!;
    const hostnames = new Map<string, string>();
    for (const m of list) {
      if (m.protocol !== first.protocol) {
        m.conflicted = { reason: "ProtocolConflict", message: `port ${m.listener.port} is used by listener ${first.listener.name} with protocol ${first.protocol}` };
        continue;
      }
      const h = m.listener.hostname ?? "";
      const owner = hostnames.get(h);
      if (owner !== undefined) {
        m.conflicted = { reason: "HostnameConflict", message: `listener ${owner} already serves hostname "${h}" on port ${m.listener.port}` };
      } else {
        hostnames.set(h, m.listener.name);
      }
    }
  }
}

export function modelGateway(index: SnapshotIndex, cache: SecretCache, gw: Gateway): GatewayModel {
  const namespace = nsOf(gw.metadata);
  const listeners = (gw.spec?.listeners ?? []).slice(0, 64)
    .filter((l) => l !== null && typeof l === "object" && typeof l.name === "string")
    .map((l) => modelListener(index, cache, namespace, gw.metadata.name, l));
  markConflicts(listeners);
  // An IPAddress entry without a value asks for any address (GatewayAddressEmpty): the Service's cluster
  // IP is one. A given value, or another type, cannot be honoured.
  const addresses = (gw.spec?.addresses ?? []).filter((a) => !((a?.type ?? "IPAddress") === "IPAddress" && (a?.value ?? "") === ""));
  const unsupportedAddress = addresses.length === 0 ?
    undefined
    : `spec.addresses (${
      addresses.slice(0, 4).map((a) => `${a?.type ?? "IPAddress"} ${String(a?.value).slice(0, 64)}`).join(", ")
    }) are not supported: Weft assigns Gateway addresses through its Service`;
  const ref = gw.spec?.infrastructure?.parametersRef;
  const invalidParameters = ref === undefined || ref === null ?
    undefined
    : `spec.infrastructure.parametersRef (${String(ref.group).slice(0, 64)}/${String(ref.kind).slice(0, 64)} ${String(ref.name).slice(0, 64)}) is not supported by Weft; remove it`;
  return {
    gateway: gw,
    namespace,
    name: gw.metadata.name,
    generation: generationOf(gw.metadata),
    listeners,
    ...(unsupportedAddress === undefined ? {} : { unsupportedAddress }),
    ...(invalidParameters === undefined ? {} : { invalidParameters }),
  };
}
