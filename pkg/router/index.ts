// index: public surface of pkg/router (filled in by the router implementation).
// CompiledRoutes is the compiled form of RouteTablesIR; see compile-routes.ts.
export type { RequestView } from "./request.ts";
export type CompiledRoutes = { readonly __compiled: "routes" } & Record<string, unknown>;
