// hello: the first message of a proxy's stream, both ways. helloOf: the proxy's identity and the state
// it holds → the Hello it sends (announcing the trust-bundle feature). parseHello: checks a Hello (hostile
// input) and turns it into a ProxyIdentity plus the state the proxy says it already holds, or a
// WEFT_ERR_VALIDATION error with a precise message (answered as gRPC INVALID_ARGUMENT).
// Must not: trust sizes or names from the wire without bounds.
import { WeftError } from "../errors/weft-error.ts";
import type { ClientState } from "./apply-update.ts";
import type { HelloMsg } from "./proto.ts";
import { resourceKey, versionOf } from "./resources.ts";
import { NOTHING_HELD, type HeldState } from "./snapshot.ts";
import { TRUST_BUNDLE_FEATURE, type ProxyIdentity } from "./slice.ts";

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
export const MAX_KNOWN_RESOURCES = 200_000;

const MAX_FEATURES = 32;

/** The Hello a proxy with `id` holding `state` sends: its held resources' hashes, so the server sends only a diff. */
export function helloOf(id: ProxyIdentity, state: ClientState): HelloMsg {
  return {
    namespace: id.namespace,
    serviceAccount: id.serviceAccount,
    pod: id.pod,
    kind: id.kind,
    gatewayNamespace: id.gatewayNamespace ?? "",
    gatewayName: id.gatewayName ?? "",
    version: state.version,
    known: [...state.resources.values()].map((r) => ({ type: r.msg.type, name: r.msg.name, hash: r.hash })),
    features: [TRUST_BUNDLE_FEATURE],
  };
}

export function parseHello(h: HelloMsg | null | undefined): { identity: ProxyIdentity; held: HeldState; features: ReadonlySet<string> } {
  if (h === null || h === undefined) throw invalid("the first message must be a hello");
  const field = (name: string, v: string): string => {
    if (!NAME.test(v)) throw invalid(`hello.${name} ${JSON.stringify(v.slice(0, 64))} is not a valid Kubernetes name`);
    return v;
  };
  const namespace = field("namespace", h.namespace);
  const serviceAccount = field("serviceAccount", h.serviceAccount);
  const pod = field("pod", h.pod);
  let identity: ProxyIdentity;
  if (h.kind === "sidecar") {
    identity = { namespace, serviceAccount, pod, kind: "sidecar" };
  } else if (h.kind === "gateway") {
    identity = {
      namespace,
      serviceAccount,
      pod,
      kind: "gateway",
      gatewayNamespace: field("gatewayNamespace", h.gatewayNamespace),
      gatewayName: field("gatewayName", h.gatewayName),
    };
  } else {
    throw invalid(`hello.kind must be "gateway" or "sidecar", got ${JSON.stringify(h.kind.slice(0, 32))}`);
  }
  if (h.known.length > MAX_KNOWN_RESOURCES) throw invalid(`hello.known has more than ${MAX_KNOWN_RESOURCES} entries`);
  const resources = new Map<string, { hash: string }>();
  for (const k of h.known) resources.set(resourceKey(k.type, k.name), { hash: k.hash });
  // A held state counts only when it is self-consistent; otherwise the proxy gets a full update.
  const held = h.version !== "" && versionOf(resources) === h.version ? { version: h.version, resources } : NOTHING_HELD;
  const list = h.features ?? [];
  if (list.length > MAX_FEATURES) throw invalid(`hello.features has more than ${MAX_FEATURES} entries`);
  return { identity, held, features: new Set(list.filter((f) => f.length <= 64)) };
}

function invalid(message: string): WeftError {
  return new WeftError("WEFT_ERR_VALIDATION", message);
}
