// features: the Gateway API features Weft declares, sorted by name (spec §14). Only what the IR can
// express and the proxy implements. GatewayClass gets Gateway-side features; mesh features go on the
// Mesh resource (spec §14: Mesh features must not be put on a GatewayClass).
// Must not: hold behaviour.

export const SUPPORTED_FEATURES: readonly string[] = [
  "GRPCRoute",
  "GRPCRouteNamedRouteRule",
  "Gateway",
  "GatewayHTTPListenerIsolation",
  "GatewayPort8080",
  "HTTPRoute",
  "HTTPRoute303RedirectStatusCode",
  "HTTPRoute307RedirectStatusCode",
  "HTTPRoute308RedirectStatusCode",
  "HTTPRouteBackendProtocolH2C",
  "HTTPRouteBackendProtocolWebSocket",
  "HTTPRouteBackendRequestHeaderModification",
  "HTTPRouteBackendTimeout",
  "HTTPRouteCORS",
  "HTTPRouteHostRewrite",
  "HTTPRouteMethodMatching",
  "HTTPRouteNamedRouteRule",
  "HTTPRouteParentRefPort",
  "HTTPRoutePathRedirect",
  "HTTPRoutePathRewrite",
  "HTTPRoutePortRedirect",
  "HTTPRouteQueryParamMatching",
  "HTTPRouteRequestMirror",
  "HTTPRouteRequestMultipleMirrors",
  "HTTPRouteRequestPercentageMirror",
  "HTTPRouteRequestTimeout",
  "HTTPRouteResponseHeaderModification",
  "HTTPRouteRetry",
  "HTTPRouteRetryBackendTimeout",
  "HTTPRouteRetryConnectionError",
  "HTTPRouteSchemeRedirect",
  "ReferenceGrant",
].sort();

export const MESH_SUPPORTED_FEATURES: readonly string[] = [
  "Mesh",
  "MeshClusterIPMatching",
  "MeshConsumerRoute",
  "MeshHTTPRouteBackendRequestHeaderModification",
  "MeshHTTPRouteNamedRouteRule",
  "MeshHTTPRouteQueryParamMatching",
  "MeshHTTPRouteRedirectPath",
  "MeshHTTPRouteRedirectPort",
  "MeshHTTPRouteRewritePath",
  "MeshHTTPRouteSchemeRedirect",
].sort();
