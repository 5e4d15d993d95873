// builders: small constructors for translate test inputs (snapshots, routes, services, slices).
// Takes partial objects, gives typed api objects with sensible defaults. Test support only.
import type {
  EndpointSlice,
  Gateway,
  GatewayClass,
  GRPCRoute,
  HTTPRoute,
  Listener,
  Namespace,
  ParentReference,
  Pod,
  ReferenceGrant,
  ResourceSnapshot,
  Secret,
  Service,
  ServicePort,
} from "../../pkg/api/index.ts";
import { emptySnapshot, WEFT_CONTROLLER_NAME } from "../../pkg/api/index.ts";

export function snap(parts: Partial<ResourceSnapshot>): ResourceSnapshot {
  return { ...emptySnapshot(), ...parts };
}

export function gatewayClass(name = "weft", controllerName = WEFT_CONTROLLER_NAME): GatewayClass {
  return { apiVersion: "gateway.networking.k8s.io/v1", kind: "GatewayClass", metadata: { name }, spec: { controllerName } };
}

export function gateway(name: string, listeners: Listener[], ns = "default", className = "weft"): Gateway {
  return { apiVersion: "gateway.networking.k8s.io/v1", kind: "Gateway", metadata: { name, namespace: ns, generation: 1 }, spec: { gatewayClassName: className, listeners } };
}

export function listener(name: string, port = 80, extra: Partial<Listener> = {}): Listener {
  return { name, port, protocol: "HTTP", ...extra };
}

export function service(name: string, ns = "default", ports: ServicePort[] = [{ name: "http", port: 80 }], extra: Partial<Service["spec"]> = {}): Service {
  return { apiVersion: "v1", kind: "Service", metadata: { name, namespace: ns }, spec: { clusterIP: "10.0.0.1", ports, ...extra } };
}

export function httpRoute(name: string, spec: HTTPRoute["spec"], ns = "default", meta: Partial<HTTPRoute["metadata"]> = {}): HTTPRoute {
  return { apiVersion: "gateway.networking.k8s.io/v1", kind: "HTTPRoute", metadata: { name, namespace: ns, generation: 3, ...meta }, spec };
}

export function grpcRoute(name: string, spec: GRPCRoute["spec"], ns = "default", meta: Partial<GRPCRoute["metadata"]> = {}): GRPCRoute {
  return { apiVersion: "gateway.networking.k8s.io/v1", kind: "GRPCRoute", metadata: { name, namespace: ns, generation: 2, ...meta }, spec };
}

export function gwRef(name = "gw", extra: Partial<ParentReference> = {}): ParentReference {
  return { name, ...extra };
}

export function svcRef(name: string, extra: Partial<ParentReference> = {}): ParentReference {
  return { group: "", kind: "Service", name, ...extra };
}

export function namespace(name: string, labels: Record<string, string> = {}): Namespace {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } };
}

export function grant(ns: string, from: { group: string; kind: string; namespace: string }[], to: { group: string; kind: string; name?: string }[], name = "g"): ReferenceGrant {
  return { apiVersion: "gateway.networking.k8s.io/v1beta1", kind: "ReferenceGrant", metadata: { name, namespace: ns }, spec: { from, to } };
}

export function slice(name: string, svc: string, ns: string, endpoints: NonNullable<EndpointSlice["endpoints"]>, ports: EndpointSlice["ports"] = [{ name: "http", port: 8080 }],
  addressType = "IPv4"): EndpointSlice
{
  return { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name, namespace: ns, labels: { "kubernetes.io/service-name": svc } }, addressType, endpoints, ports };
}

/** A Pod; `sidecar` adds the Weft native sidecar (init container weft-proxy, restartPolicy Always) as the injector does. */
export function pod(name: string, ns: string, serviceAccountName?: string, sidecar: "native" | "container" | "none" = "native"): Pod {
  const proxy = { name: "weft-proxy", image: "ghcr.io/weft-mesh/weft:0.1.0" };
  const app = { name: "app", image: "app" };
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: ns },
    spec: {
      containers: sidecar === "container" ? [proxy, app] : [app],
      ...(sidecar === "native" ? { initContainers: [{ name: "weft-init", image: proxy.image }, { ...proxy, restartPolicy: "Always" }] } : {}),
      ...(serviceAccountName === undefined ? {} : { serviceAccountName }),
    },
  };
}

export function tlsSecret(name: string, ns: string, certPem: string, keyPem: string, type = "kubernetes.io/tls"): Secret {
  return {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name, namespace: ns },
    type,
    data: { "tls.crt": Buffer.from(certPem).toString("base64"), "tls.key": Buffer.from(keyPem).toString("base64") },
  };
}

import type { Condition, StatusUpdate } from "../../pkg/api/index.ts";
import type { TranslateResult } from "../../pkg/translate/index.ts";

type RouteStatusUpdate = Extract<StatusUpdate, { parents: unknown }>;
type GatewayStatusUpdate = Extract<StatusUpdate, { listeners: unknown }>;

export function routeStatus(r: TranslateResult, name: string, kind: "HTTPRoute" | "GRPCRoute" = "HTTPRoute", ns = "default"): RouteStatusUpdate | undefined {
  return r.statuses.find((s): s is RouteStatusUpdate => s.target.kind === kind && s.target.name === name && s.target.namespace === ns);
}

export function gatewayStatusOf(r: TranslateResult, name = "gw", ns = "default"): GatewayStatusUpdate | undefined {
  return r.statuses.find((s): s is GatewayStatusUpdate => s.target.kind === "Gateway" && s.target.name === name && s.target.namespace === ns);
}

/** The condition of `type` on parent `i` of a route status; throws when absent (test failure). */
export function cond(r: TranslateResult, name: string, type: string, i = 0, kind: "HTTPRoute" | "GRPCRoute" = "HTTPRoute", ns = "default"): Condition {
  const st = routeStatus(r, name, kind, ns);
  const c = st?.parents[i]?.conditions.find((x) => x.type === type);
  if (c === undefined) throw new Error(`no ${type} condition on ${kind} ${ns}/${name} parent ${i}`);
  return c;
}

export function listenerCond(r: TranslateResult, listenerName: string, type: string, gw = "gw"): Condition {
  const c = gatewayStatusOf(r, gw)?.listeners.find((l) => l.name === listenerName)?.conditions.find((x) => x.type === type);
  if (c === undefined) throw new Error(`no ${type} condition on listener ${listenerName}`);
  return c;
}

/** Base snapshot: our GatewayClass, Gateway "gw" with one HTTP listener on 80 (from: All), Service foo. */
export function baseGateway(parts: Partial<ResourceSnapshot> = {}, listeners: Listener[] = [listener("http", 80, { allowedRoutes: { namespaces: { from: "All" } } })]): ResourceSnapshot {
  return snap({ gatewayClasses: [gatewayClass()], gateways: [gateway("gw", listeners)], services: [service("foo")], ...parts });
}
