// gateway-types: Gateway API kinds (gateway.networking.k8s.io v1; ReferenceGrant v1 and v1beta1).
// Fields whose value set is an enum are typed `string`: an unknown value is not a parse error,
// it becomes an `UnsupportedValue` condition in translate (spec §4).
// Must not: hold behaviour.
import type { Condition, LabelSelector, ObjectMeta } from "./meta.ts";

export const GATEWAY_GROUP = "gateway.networking.k8s.io";
export const WEFT_CONTROLLER_NAME = "weft.dev/gateway-controller";

// ---- GatewayClass ----------------------------------------------------------
export interface GatewayClass {
  readonly apiVersion: string;
  readonly kind: "GatewayClass";
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly controllerName: string;
    readonly parametersRef?: { readonly group: string; readonly kind: string; readonly name: string; readonly namespace?: string };
    readonly description?: string;
  };
  readonly status?: { readonly conditions?: readonly Condition[]; readonly supportedFeatures?: readonly { readonly name: string }[] };
}

// ---- Gateway ---------------------------------------------------------------
export interface SecretObjectReference {
  readonly group?: string;
  readonly kind?: string;
  readonly name: string;
  readonly namespace?: string;
}

export interface RouteGroupKind {
  readonly group?: string;
  readonly kind: string;
}

export interface AllowedRoutes {
  readonly namespaces?: { readonly from?: string; readonly selector?: LabelSelector };
  readonly kinds?: readonly RouteGroupKind[];
}

export interface Listener {
  readonly name: string;
  readonly hostname?: string;
  readonly port: number;
  readonly protocol: string; // HTTP | HTTPS | TLS | TCP | UDP
  readonly tls?: {
    readonly mode?: string; // Terminate | Passthrough
    readonly certificateRefs?: readonly SecretObjectReference[];
    readonly options?: Readonly<Record<string, string>>;
  };
  readonly allowedRoutes?: AllowedRoutes;
}

export interface Gateway {
  readonly apiVersion: string;
  readonly kind: "Gateway";
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly gatewayClassName: string;
    readonly listeners: readonly Listener[];
    readonly addresses?: readonly { readonly type?: string; readonly value?: string }[];
    /** Labels and annotations for the resources an implementation creates for this Gateway. */
    readonly infrastructure?: {
      readonly labels?: Readonly<Record<string, string>>;
      readonly annotations?: Readonly<Record<string, string>>;
      readonly parametersRef?: { readonly group: string; readonly kind: string; readonly name: string };
    };
  };
  readonly status?: unknown;
}

// ---- Routes: shared --------------------------------------------------------
export interface ParentReference {
  readonly group?: string; // default gateway.networking.k8s.io; "" for Service
  readonly kind?: string; // default Gateway
  readonly namespace?: string;
  readonly name: string;
  readonly sectionName?: string;
  readonly port?: number;
}

export interface BackendObjectReference {
  readonly group?: string; // default ""
  readonly kind?: string; // default Service
  readonly name: string;
  readonly namespace?: string;
  readonly port?: number; // required for Service (Service port, not targetPort)
}

export interface HTTPHeader {
  readonly name: string;
  readonly value: string;
}

export interface HeaderModifier {
  readonly set?: readonly HTTPHeader[];
  readonly add?: readonly HTTPHeader[];
  readonly remove?: readonly string[];
}

export interface HTTPPathModifier {
  readonly type: string; // ReplaceFullPath | ReplacePrefixMatch
  readonly replaceFullPath?: string;
  readonly replacePrefixMatch?: string;
}

export interface HTTPRequestRedirectFilter {
  readonly scheme?: string;
  readonly hostname?: string;
  readonly path?: HTTPPathModifier;
  readonly port?: number;
  readonly statusCode?: number;
}

export interface HTTPURLRewriteFilter {
  readonly hostname?: string;
  readonly path?: HTTPPathModifier;
}

export interface HTTPRequestMirrorFilter {
  readonly backendRef: BackendObjectReference;
  readonly percent?: number;
  readonly fraction?: { readonly numerator: number; readonly denominator?: number };
}

export interface HTTPCORSFilter {
  readonly allowOrigins?: readonly string[];
  readonly allowCredentials?: boolean;
  readonly allowMethods?: readonly string[];
  readonly allowHeaders?: readonly string[];
  readonly exposeHeaders?: readonly string[];
  readonly maxAge?: number;
}

export interface LocalObjectReference {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
}

/** The filters HTTPRoute and GRPCRoute share (GRPCRoute: RequestHeaderModifier | ResponseHeaderModifier | RequestMirror | ExtensionRef). */
export interface RouteFilterBase {
  readonly type: string;
  readonly requestHeaderModifier?: HeaderModifier;
  readonly responseHeaderModifier?: HeaderModifier;
  readonly requestMirror?: HTTPRequestMirrorFilter;
  readonly extensionRef?: LocalObjectReference;
}

/** type: RequestHeaderModifier | ResponseHeaderModifier | RequestRedirect | URLRewrite | RequestMirror | CORS | ExternalAuth | ExtensionRef. */
export interface HTTPRouteFilter extends RouteFilterBase {
  readonly requestRedirect?: HTTPRequestRedirectFilter;
  readonly urlRewrite?: HTTPURLRewriteFilter;
  readonly cors?: HTTPCORSFilter;
}

/** A route's backendRef: weight default 1, 0..1_000_000, and the filters of its route kind. */
export interface RouteBackendRef<F> extends BackendObjectReference {
  readonly weight?: number;
  readonly filters?: readonly F[];
}

export type HTTPBackendRef = RouteBackendRef<HTTPRouteFilter>;

export interface RouteParentStatus {
  readonly parentRef: ParentReference;
  readonly controllerName: string;
  readonly conditions: readonly Condition[];
}

export interface RouteStatus {
  readonly parents: readonly RouteParentStatus[];
}

// ---- HTTPRoute -------------------------------------------------------------
export interface HTTPPathMatch {
  readonly type?: string; // Exact | PathPrefix (default) | RegularExpression
  readonly value?: string; // default "/"
}

/** A header (HTTPRoute, GRPCRoute) or query parameter (HTTPRoute) match. */
export interface NameValueMatch {
  readonly type?: string; // Exact (default) | RegularExpression
  readonly name: string;
  readonly value: string;
}

export type HTTPHeaderMatch = NameValueMatch;
export type HTTPQueryParamMatch = NameValueMatch;

export interface HTTPRouteMatch {
  readonly path?: HTTPPathMatch;
  readonly headers?: readonly HTTPHeaderMatch[];
  readonly queryParams?: readonly HTTPQueryParamMatch[];
  readonly method?: string;
}

export interface HTTPRouteTimeouts {
  readonly request?: string; // GEP-2257 duration
  readonly backendRequest?: string;
}

export interface HTTPRouteRetry {
  readonly codes?: readonly number[];
  readonly attempts?: number;
  readonly backoff?: string;
}

export interface SessionPersistence {
  readonly sessionName?: string;
  readonly absoluteTimeout?: string;
  readonly idleTimeout?: string;
  readonly type?: string; // Cookie | Header
  readonly cookieConfig?: { readonly lifetimeType?: string };
}

/** What a rule of HTTPRoute and of GRPCRoute has, over its kind's matches, filters and backendRefs. */
export interface RouteRuleBase<M, F> {
  readonly name?: string;
  readonly matches?: readonly M[];
  readonly filters?: readonly F[];
  readonly backendRefs?: readonly RouteBackendRef<F>[];
  readonly sessionPersistence?: SessionPersistence;
}

/** HTTPRoute and GRPCRoute: the same object but for their kind and rules. */
export interface RouteObject<K extends string, R> {
  readonly apiVersion: string;
  readonly kind: K;
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly parentRefs?: readonly ParentReference[];
    readonly hostnames?: readonly string[];
    readonly rules?: readonly R[];
  };
  readonly status?: RouteStatus;
}

export interface HTTPRouteRule extends RouteRuleBase<HTTPRouteMatch, HTTPRouteFilter> {
  readonly timeouts?: HTTPRouteTimeouts;
  readonly retry?: HTTPRouteRetry;
}

export type HTTPRoute = RouteObject<"HTTPRoute", HTTPRouteRule>;

// ---- GRPCRoute -------------------------------------------------------------
export interface GRPCMethodMatch {
  readonly type?: string; // Exact (default) | RegularExpression
  readonly service?: string;
  readonly method?: string;
}

export type GRPCHeaderMatch = NameValueMatch;

export interface GRPCRouteMatch {
  readonly method?: GRPCMethodMatch;
  readonly headers?: readonly GRPCHeaderMatch[];
}

export type GRPCRouteFilter = RouteFilterBase;
export type GRPCBackendRef = RouteBackendRef<GRPCRouteFilter>;
export type GRPCRouteRule = RouteRuleBase<GRPCRouteMatch, GRPCRouteFilter>;
export type GRPCRoute = RouteObject<"GRPCRoute", GRPCRouteRule>;

// ---- ReferenceGrant (v1 and v1beta1 have the same shape) ----------------------
export interface ReferenceGrant {
  readonly apiVersion: string;
  readonly kind: "ReferenceGrant";
  readonly metadata: ObjectMeta;
  readonly spec: {
    readonly from: readonly { readonly group: string; readonly kind: string; readonly namespace: string }[];
    readonly to: readonly { readonly group: string; readonly kind: string; readonly name?: string }[];
  };
}
