// parse-schemas: the shape of every kind Weft reads, after the Gateway API CRDs (v1, standard and
// experimental channels) and the core Kubernetes types. Required fields and list maxItems follow
// the CRDs (e.g. parentRefs ≤32, rules ≤16, backendRefs ≤16, filters ≤16, hostnames ≤16).
// Takes nothing; gives `KIND_SCHEMAS` and the apiVersions recognised per kind.
// Must not: encode enum value sets (unknown values are translate's UnsupportedValue, spec §4).
import { any, arr, bool, int, intOrString, map, obj, req, str } from "./parse-schema.ts";
import type { Field, Schema } from "./parse-schema.ts";

const MAX_INT = 2_147_483_647;
const port = int(1, 65535);
const name = str(253, 1);
const nsName = str(63, 1);
const group = str(253);
const kind = str(63, 1);

const metadata = obj({
  name: req(name),
  namespace: nsName,
  uid: str(128),
  generation: int(0, Number.MAX_SAFE_INTEGER),
  resourceVersion: str(128),
  creationTimestamp: str(64),
  labels: map(256, 63),
  annotations: map(256, 262_144),
  ownerReferences: arr(any, 64),
  generateName: str(253),
  finalizers: arr(str(317), 64),
  managedFields: any,
  deletionTimestamp: str(64),
  deletionGracePeriodSeconds: int(0, MAX_INT),
  selfLink: str(1024),
});

const labelSelector = obj({
  matchLabels: map(256, 63),
  matchExpressions: arr(obj({ key: req(str(317, 1)), operator: req(str(64, 1)), values: arr(str(63), 256) }), 64),
});

// ---- Gateway API -----------------------------------------------------------------
const parentRef = obj({ group, kind, namespace: nsName, name: req(name), sectionName: name, port });
const backendObjectRef = { group, kind, name: req(name), namespace: nsName, port };
const header = obj({ name: req(str(256, 1)), value: req(str(4096)) });
const headerModifier = obj({ set: arr(header, 16), add: arr(header, 16), remove: arr(str(256, 1), 16) });
const pathModifier = obj({ type: req(str(64, 1)), replaceFullPath: str(1024), replacePrefixMatch: str(1024) });
const mirror = obj({
  backendRef: req(obj(backendObjectRef)),
  percent: int(0, 100),
  fraction: obj({ numerator: req(int(0, MAX_INT)), denominator: int(1, MAX_INT) }),
});
const localRef = obj({ group: req(group), kind: req(kind), name: req(name) });
const cors = obj({
  allowOrigins: arr(str(253, 1), 64),
  allowCredentials: bool,
  allowMethods: arr(str(32, 1), 9),
  allowHeaders: arr(str(256, 1), 64),
  exposeHeaders: arr(str(256, 1), 64),
  maxAge: int(1, MAX_INT),
});
const httpFilterFields = {
  type: req(str(64, 1)),
  requestHeaderModifier: headerModifier,
  responseHeaderModifier: headerModifier,
  requestMirror: mirror,
  extensionRef: localRef,
};
const httpFilter = obj({
  ...httpFilterFields,
  requestRedirect: obj({ scheme: str(64), hostname: str(253, 1), path: pathModifier, port, statusCode: int(0, 999) }),
  urlRewrite: obj({ hostname: str(253, 1), path: pathModifier }),
  cors,
  externalAuth: any,
});
const grpcFilter = obj(httpFilterFields);
const sessionPersistence = obj({
  sessionName: str(128),
  absoluteTimeout: str(64),
  idleTimeout: str(64),
  type: str(64),
  cookieConfig: obj({ lifetimeType: str(64) }),
  cookie: any,
  header: any,
});
const stringMatch = (valueMax: number): Schema => obj({ type: str(64), name: req(str(256, 1)), value: req(str(valueMax)) });
const httpMatch = obj({
  path: obj({ type: str(64), value: str(1024) }),
  headers: arr(stringMatch(4096), 16),
  queryParams: arr(stringMatch(1024), 16),
  method: str(64),
});
const httpRule = obj({
  name: str(63),
  matches: arr(httpMatch, 64),
  filters: arr(httpFilter, 16),
  backendRefs: arr(obj({ ...backendObjectRef, weight: int(0, 1_000_000), filters: arr(httpFilter, 16) }), 16),
  timeouts: obj({ request: str(64), backendRequest: str(64) }),
  retry: obj({ codes: arr(int(0, 999), 32), attempts: int(0, MAX_INT), backoff: str(64) }),
  sessionPersistence,
});
const grpcRule = obj({
  name: str(63),
  matches: arr(obj({ method: obj({ type: str(64), service: str(1024), method: str(1024) }), headers: arr(stringMatch(4096), 16) }), 64),
  filters: arr(grpcFilter, 16),
  backendRefs: arr(obj({ ...backendObjectRef, weight: int(0, 1_000_000), filters: arr(grpcFilter, 16) }), 16),
  sessionPersistence,
});
const routeSpec = (rule: Schema): Schema => obj({ parentRefs: arr(parentRef, 32), hostnames: arr(str(253, 1), 16), rules: arr(rule, 16) });

const listener = obj({
  name: req(name),
  hostname: str(253, 1),
  port: req(port),
  protocol: req(str(255, 1)),
  tls: obj({
    mode: str(64),
    certificateRefs: arr(obj({ group, kind, name: req(name), namespace: nsName }), 64),
    options: map(16, 4096),
    frontendValidation: any,
  }),
  allowedRoutes: obj({
    namespaces: obj({ from: str(64), selector: labelSelector }),
    kinds: arr(obj({ group, kind: req(kind) }), 8),
  }),
});

// ---- core --------------------------------------------------------------------------
const servicePort = obj({ name: str(63), protocol: str(16), port: req(port), targetPort: intOrString, appProtocol: str(253), nodePort: int(0, 65535) });
const endpoint = obj({
  addresses: req(arr(str(253, 1), 100)),
  conditions: obj({ ready: bool, serving: bool, terminating: bool }),
  hostname: str(63),
  nodeName: str(253),
  zone: str(253),
  targetRef: obj({ kind: str(63), namespace: str(63), name: str(253), uid: str(128), apiVersion: str(253), resourceVersion: str(128), fieldPath: str(1024) }),
  hints: any,
  deprecatedTopology: any,
});

const top = (spec: Schema | undefined, extra: Record<string, Schema | Field> = {}): Schema =>
  obj({ apiVersion: req(str(253, 1)), kind: req(kind), metadata: req(metadata), ...(spec === undefined ? {} : { spec: req(spec) }), status: any, ...extra });

export interface KindInfo {
  readonly schema: Schema;
  readonly apiVersions: readonly string[];
  readonly namespaced: boolean;
}

const GW = ["gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v1beta1"];

export const KIND_SCHEMAS: Readonly<Record<string, KindInfo>> = {
  GatewayClass: {
    apiVersions: GW,
    namespaced: false,
    schema: top(obj({ controllerName: req(str(253, 1)), parametersRef: obj({ group: req(group), kind: req(kind), name: req(name), namespace: nsName }), description: str(64) })),
  },
  Gateway: {
    apiVersions: GW,
    namespaced: true,
    schema: top(obj({
      gatewayClassName: req(name),
      listeners: req(arr(listener, 64)),
      addresses: arr(obj({ type: str(253), value: req(str(253, 1)) }), 16),
      infrastructure: any,
      tls: any,
      allowedListeners: any,
      backendTLS: any,
    })),
  },
  HTTPRoute: { apiVersions: GW, namespaced: true, schema: top(routeSpec(httpRule)) },
  GRPCRoute: { apiVersions: GW, namespaced: true, schema: top(routeSpec(grpcRule)) },
  ReferenceGrant: {
    apiVersions: GW,
    namespaced: true,
    schema: top(obj({
      from: req(arr(obj({ group: req(group), kind: req(kind), namespace: req(nsName) }), 16)),
      to: req(arr(obj({ group: req(group), kind: req(kind), name }), 16)),
    })),
  },
  Namespace: { apiVersions: ["v1"], namespaced: false, schema: top(undefined, { spec: any }) },
  Service: {
    apiVersions: ["v1"],
    namespaced: true,
    schema: top(obj({
      type: str(64),
      clusterIP: str(45),
      clusterIPs: arr(str(45, 1), 2),
      ports: arr(servicePort, 256),
      selector: map(256, 63),
      externalName: str(253),
      sessionAffinity: str(64),
    }, true)),
  },
  EndpointSlice: {
    apiVersions: ["discovery.k8s.io/v1"],
    namespaced: true,
    schema: top(undefined, {
      addressType: req(str(16, 1)),
      endpoints: arr(endpoint, 1000),
      ports: arr(obj({ name: str(63), port: int(0, 65535), protocol: str(16), appProtocol: str(253) }), 100),
    }),
  },
  Secret: {
    apiVersions: ["v1"],
    namespaced: true,
    schema: top(undefined, { type: str(253), data: map(4096, 1_048_576), stringData: map(4096, 1_048_576), immutable: bool }),
  },
  Pod: {
    apiVersions: ["v1"],
    namespaced: true,
    schema: top(obj({ serviceAccountName: str(253), nodeName: str(253), hostNetwork: bool, containers: req(arr(any, 256)), initContainers: arr(any, 256) }, true)),
  },
};
