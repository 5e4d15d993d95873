// router-bridge: the one place pkg/proxy names pkg/router's functions, so the stack has a single seam to
// the matcher (compileRoutes/matchRoute, gateway listener selection, weighted pick, path modifiers).
// Must not: add routing policy of its own.
export {
  applyPathModifier,
  compileGateway,
  compileRoutes,
  listenerForSni,
  matchRoute,
  pickBackend,
  routeTemplateOf,
  selectListener,
} from "../router/index.ts";
export type { CompiledGateway, CompiledRoutes, RouteMatch } from "../router/index.ts";
