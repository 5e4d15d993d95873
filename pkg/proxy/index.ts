// index: public surface of pkg/proxy for cmd/ and the sidecar listeners.
export { createHttpEngine, type HttpEngineOptions, type WeftHttpEngine } from "./engine.ts";
export type { EngineState, HttpEngine, MeshTlsMaterial, ProxyFace, RouteContext, RouteResolution } from "./engine-types.ts";
export { MESH_ALPN_PROTOCOLS } from "./engine-types.ts";
export { engineStateOf } from "./engine-state.ts";
export { GatewayListeners, type GatewayListenersOptions } from "./gateway/gateway-listeners.ts";
export { startAdminServer, redactedConfig, type AdminServer } from "./admin/admin-server.ts";
export { defaultLimits, type Limits, type UnderscoreHeaders } from "./limits.ts";
export { ProxyMetrics } from "./metrics.ts";
export type { BalancerKind } from "./balance/endpoint-chooser.ts";
