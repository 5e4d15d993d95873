// types: the one routing IR for gateway and sidecar faces. Produced by pkg/translate (pure),
// sliced per proxy by pkg/distribution, compiled by pkg/router, executed by pkg/proxy.
// All values are plain JSON (no Map/Set/undefined-in-arrays) so canonicalJson/contentHash apply.
// Route tables are PRE-SORTED by precedence (spec §7, §8, §9): the router takes the first hit.
// Must not: hold behaviour or references to api objects.

// ---- identities -----------------------------------------------------------------
/** "HTTPRoute" | "GRPCRoute" plus namespace/name: which user object a rule came from. */
export interface RouteRef {
  readonly kind: "HTTPRoute" | "GRPCRoute";
  readonly namespace: string;
  readonly name: string;
  readonly generation: number;
}

// ---- matches ---------------------------------------------------------------------
export type StringMatchType = "Exact" | "RegularExpression";

export interface PathMatchIR {
  readonly type: "Exact" | "PathPrefix" | "RegularExpression";
  /** PathPrefix values are stored without a trailing "/" (except "/" itself). */
  readonly value: string;
}

export interface HeaderMatchIR {
  readonly type: StringMatchType;
  /** Header names are lower-cased (case-insensitive, spec §8). */
  readonly name: string;
  readonly value: string;
}

export interface QueryParamMatchIR {
  readonly type: StringMatchType;
  /** Query param names are exact (case-sensitive, spec §8). */
  readonly name: string;
  readonly value: string;
}

export interface HttpMatchIR {
  readonly kind: "http";
  readonly path: PathMatchIR;
  readonly headers: readonly HeaderMatchIR[];
  readonly queryParams: readonly QueryParamMatchIR[];
  readonly method?: string;
}

export interface GrpcMatchIR {
  readonly kind: "grpc";
  /** Absent = any method. For RegularExpression, service/method are patterns. */
  readonly method?: { readonly type: StringMatchType; readonly service?: string; readonly method?: string };
  readonly headers: readonly HeaderMatchIR[];
}

// ---- filters ------------------------------------------------------------------------
export interface HeaderModifierIR {
  readonly set: readonly { readonly name: string; readonly value: string }[];
  readonly add: readonly { readonly name: string; readonly value: string }[];
  readonly remove: readonly string[];
}

export type PathModifierIR =
  | { readonly type: "ReplaceFullPath"; readonly value: string }
  /** `prefix` is the rule's PathPrefix match value that gets replaced by `value`. */
  | { readonly type: "ReplacePrefixMatch"; readonly value: string; readonly prefix: string };

export type FilterIR =
  | ({ readonly type: "RequestHeaderModifier" } & HeaderModifierIR)
  | ({ readonly type: "ResponseHeaderModifier" } & HeaderModifierIR)
  | {
    readonly type: "RequestRedirect";
    readonly scheme?: "http" | "https";
    readonly hostname?: string;
    /** Resolved per spec §10 port rules at translate time where possible; absent = keep request/listener port. */
    readonly port?: number;
    readonly path?: PathModifierIR;
    readonly statusCode: 301 | 302 | 303 | 307 | 308;
  }
  | { readonly type: "URLRewrite"; readonly hostname?: string; readonly path?: PathModifierIR }
  | {
    readonly type: "RequestMirror";
    /** Cluster id to mirror to; a mirror whose ref did not resolve is not configured at all. */
    readonly cluster: string;
    /** Fraction of requests mirrored: numerator/denominator (100/100 = all). */
    readonly numerator: number;
    readonly denominator: number;
  }
  | {
    readonly type: "CORS";
    readonly allowOrigins: readonly string[];
    readonly allowMethods: readonly string[];
    readonly allowHeaders: readonly string[];
    readonly exposeHeaders: readonly string[];
    readonly allowCredentials: boolean;
    readonly maxAgeSeconds: number;
  }
  /** A filter that cannot be honoured (unresolvable ExtensionRef): requests hitting it get `status`. */
  | { readonly type: "Unsupported"; readonly status: 500; readonly reason: string };

// ---- backends ----------------------------------------------------------------------
export type BackendIR =
  | {
    readonly kind: "cluster";
    readonly weight: number;
    /** Cluster id, see ClusterIR.id. */
    readonly cluster: string;
    readonly filters: readonly FilterIR[];
  }
  | {
    /** Kept with its weight so its share is answered with an error (spec §3). */
    readonly kind: "invalid";
    readonly weight: number;
    /** 500 for HTTP (gRPC: UNAVAILABLE). */
    readonly status: 500;
    readonly reason: "BackendNotFound" | "InvalidKind" | "RefNotPermitted" | "UnsupportedProtocol" | "UnsupportedValue";
    readonly message: string;
  };

export interface TimeoutsIR {
  /** Whole request incl. retries; absent = no limit (spec §11: "0s" disables). */
  readonly requestMs?: number;
  /** Per upstream attempt. */
  readonly backendRequestMs?: number;
}

export interface RetryIR {
  readonly codes: readonly number[];
  /** Maximum number of RETRIES (spec §12), not total tries. */
  readonly attempts: number;
  readonly backoffMs: number;
}

export interface SessionPersistenceIR {
  readonly type: "Cookie" | "Header";
  readonly name: string;
  readonly absoluteTimeoutMs?: number;
  readonly lifetimeType: "Session" | "Permanent";
}

export interface RuleIR {
  /** Stable id: "<kind>/<ns>/<name>/<ruleIndex>". */
  readonly id: string;
  readonly route: RouteRef;
  readonly ruleIndex: number;
  readonly ruleName?: string;
  readonly filters: readonly FilterIR[];
  /** Empty with no terminal filter ⇒ 500 (spec §3). */
  readonly backends: readonly BackendIR[];
  readonly timeouts: TimeoutsIR;
  readonly retry?: RetryIR;
  readonly sessionPersistence?: SessionPersistenceIR;
}

/** One (rule, match) pair; precedence is decided per match. */
export interface RouteEntryIR {
  /** Effective hostnames (route ∩ listener); empty = any host. Mesh tables always empty. */
  readonly hostnames: readonly string[];
  readonly match: HttpMatchIR | GrpcMatchIR;
  /** Index into RouteTableIR.rules. */
  readonly rule: number;
  readonly matchIndex: number;
}

export interface RouteTableIR {
  readonly kind: "http" | "grpc";
  /** Sorted by precedence: the first entry that matches wins. */
  readonly entries: readonly RouteEntryIR[];
  readonly rules: readonly RuleIR[];
}

/** Both tables of one parent. A gRPC request tries `grpc` first, then `http`; others only `http`. */
export interface RouteTablesIR {
  readonly http: RouteTableIR;
  readonly grpc: RouteTableIR;
}

// ---- north-south: gateways -----------------------------------------------------------
export interface ListenerIR {
  /** "<ns>/<gateway>/<listenerName>". */
  readonly id: string;
  readonly name: string;
  readonly hostname?: string;
  readonly protocol: "HTTP" | "HTTPS";
  /** Secret ids ("<ns>/<name>") whose tls.crt/tls.key serve this listener (HTTPS). */
  readonly certificates: readonly string[];
  readonly routes: RouteTablesIR;
}

export interface GatewayPortIR {
  readonly port: number;
  readonly protocol: "HTTP" | "HTTPS";
  /** Sorted most specific hostname first: exact > longer wildcard > none (spec §7). */
  readonly listeners: readonly ListenerIR[];
}

export interface GatewayIR {
  readonly namespace: string;
  readonly name: string;
  readonly ports: readonly GatewayPortIR[];
}

// ---- east-west: mesh Services (GAMMA) --------------------------------------------------
export interface MeshPortIR {
  readonly port: number;
  readonly name?: string;
  readonly appProtocol?: string;
  /** The Service's own cluster for this port: used when no route applies (route presence, spec §1.8). */
  readonly cluster: string;
  /** Producer routes (route ns = Service ns); absent = no producer route attached. */
  readonly producer?: RouteTablesIR;
  /** Consumer routes keyed by the client namespace they apply to (spec §2). */
  readonly consumers: Readonly<Record<string, RouteTablesIR>>;
}

export interface MeshServiceIR {
  readonly namespace: string;
  readonly name: string;
  /** Frontend addresses: ClusterIPs (IPv4/IPv6). Empty for headless (not a parent). */
  readonly clusterIPs: readonly string[];
  readonly ports: readonly MeshPortIR[];
}

// ---- clusters & endpoints ---------------------------------------------------------------
export type UpstreamProtocol = "http1" | "h2c" | "grpc" | "ws" | "tcp";

export interface EndpointIR {
  readonly address: string;
  readonly port: number;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  readonly zone?: string;
  /** Expected SPIFFE id of the workload behind this endpoint, when known. */
  readonly identity?: string;
}

/**
 * A backend's caps per proxy (Envoy circuit-breaker thresholds); an absent field takes the proxy's
 * default. Over a cap the proxy answers 503 upstream_overflow instead of loading the backend further.
 */
export interface BackendLimitsIR {
  /** HTTP/1.1 upstream connections in use at once (one request each); past it requests wait. */
  readonly maxConnections?: number;
  /** Requests waiting for one of those connections; past it ⇒ 503. */
  readonly maxPendingRequests?: number;
  /** Requests in flight at once, any protocol; past it ⇒ 503. */
  readonly maxRequests?: number;
}

export interface ClusterIR {
  /** "<ns>/<service>:<servicePort>". */
  readonly id: string;
  readonly namespace: string;
  readonly service: string;
  readonly port: number;
  readonly protocol: UpstreamProtocol;
  /** Sorted by (address, port). */
  readonly endpoints: readonly EndpointIR[];
  /** Caps from the Service's weft.dev/max-* annotations; absent = the proxy's defaults. */
  readonly limits?: BackendLimitsIR;
}

// ---- the whole IR ------------------------------------------------------------------------
export interface TlsSecretIR {
  readonly id: string;
  readonly certPem: string;
  /** Key material: never logged; redacted in config dumps. */
  readonly keyPem: string;
}

/** The mesh CA roots a proxy trusts for peers and the controller (only in a proxy's slice). */
export interface TrustBundleIR {
  readonly rootsPem: string;
}

export interface MeshIR {
  readonly gateways: readonly GatewayIR[];
  readonly services: readonly MeshServiceIR[];
  readonly clusters: readonly ClusterIR[];
  readonly secrets: readonly TlsSecretIR[];
  /** Set by pkg/distribution in the slices of proxies that announce trust-bundle; translate never sets it. */
  readonly trust?: TrustBundleIR;
}
