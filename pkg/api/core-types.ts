// core-types: the core Kubernetes kinds Weft reads (Namespace, Service, EndpointSlice, Secret, Pod).
// Only the fields Weft uses are typed; parse keeps them, drops nothing it does not own.
// Must not: hold behaviour.
import type { ObjectMeta } from "./meta.ts";

export interface Namespace {
  readonly apiVersion: "v1";
  readonly kind: "Namespace";
  readonly metadata: ObjectMeta;
}

export interface ServicePort {
  readonly name?: string;
  readonly protocol?: string; // TCP | UDP | SCTP
  readonly port: number;
  readonly targetPort?: number | string;
  readonly appProtocol?: string;
}

export interface Service {
  readonly apiVersion: "v1";
  readonly kind: "Service";
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly type?: string; // ClusterIP | NodePort | LoadBalancer | ExternalName
    readonly clusterIP?: string; // "None" for headless
    readonly clusterIPs?: readonly string[];
    readonly ports?: readonly ServicePort[];
    readonly selector?: Readonly<Record<string, string>>;
    readonly externalName?: string;
    readonly sessionAffinity?: string;
  };
}

export interface EndpointSlicePort {
  readonly name?: string;
  readonly port?: number;
  readonly protocol?: string;
  readonly appProtocol?: string;
}

export interface Endpoint {
  readonly addresses: readonly string[];
  readonly conditions?: {
    readonly ready?: boolean;
    readonly serving?: boolean;
    readonly terminating?: boolean;
  };
  readonly hostname?: string;
  readonly nodeName?: string;
  readonly zone?: string;
  readonly targetRef?: { readonly kind?: string; readonly namespace?: string; readonly name?: string; readonly uid?: string };
}

export interface EndpointSlice {
  readonly apiVersion: "discovery.k8s.io/v1";
  readonly kind: "EndpointSlice";
  readonly metadata: ObjectMeta; // label kubernetes.io/service-name names the Service
  readonly addressType: string; // IPv4 | IPv6 | FQDN
  readonly endpoints?: readonly Endpoint[];
  readonly ports?: readonly EndpointSlicePort[];
}

export interface Secret {
  readonly apiVersion: "v1";
  readonly kind: "Secret";
  readonly metadata: ObjectMeta;
  readonly type?: string; // kubernetes.io/tls for listener certificates
  /** base64 values, as stored by Kubernetes. */
  readonly data?: Readonly<Record<string, string>>;
}

export interface Pod {
  readonly apiVersion: "v1";
  readonly kind: "Pod";
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly serviceAccountName?: string;
    readonly nodeName?: string;
    readonly hostNetwork?: boolean;
    readonly containers: readonly unknown[];
    readonly initContainers?: readonly unknown[];
    readonly [key: string]: unknown;
  };
  readonly status?: { readonly podIP?: string; readonly podIPs?: readonly { readonly ip: string }[]; readonly phase?: string };
}
