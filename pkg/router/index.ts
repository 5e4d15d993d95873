// index: public surface of pkg/router, the compiled matcher shared by the gateway and the sidecar.
// compileRoutes/matchRoute (route tables), compileGateway/selectListener/listenerForSni (listeners),
// compileMesh/lookupMeshDestination (GAMMA by original destination), pickBackend, applyPathModifier,
// routeTemplateOf (the matched path as a trace route template).
// Must not: hold behaviour itself.
export type { RequestView } from "./request.ts";
export { compileRoutes, matchRoute } from "./compile-routes.ts";
export type { CompiledRoutes, RouteMatch } from "./compile-routes.ts";
export { compileGateway, listenerForSni, selectListener } from "./gateway.ts";
export type { CompiledGateway, CompiledListener } from "./gateway.ts";
export { compileMesh, lookupMeshDestination } from "./mesh.ts";
export type { CompiledMesh, MeshDestination } from "./mesh.ts";
export { pickBackend } from "./pick-backend.ts";
export { applyPathModifier } from "./path-modifier.ts";
export { routeTemplateOf } from "./route-template.ts";
export { compileRegex, parseQuery, splitGrpcPath } from "./conditions.ts";
export { hostnameMatches } from "./hostname.ts";
