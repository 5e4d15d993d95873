// index: the public surface of pkg/status.
export { mergeConditions, MAX_CONDITIONS } from "./conditions.ts";
export { mergeRouteStatus, parentRefKey, MAX_PARENTS } from "./route-status.ts";
export type { RouteMergeContext } from "./route-status.ts";
export { mergeGatewayStatus, mergeGatewayClassStatus } from "./gateway-status.ts";
export { planStatus } from "./plan.ts";
export type { StatusPlan, LiveObject } from "./plan.ts";
export { createStatusWriter, statusPath } from "./writer.ts";
export type { StatusWriter, StatusWriterOptions, WriteReport } from "./writer.ts";
export { PROGRAMMED_CONDITION, programmedCondition, withProgrammedConditions } from "./programmed.ts";
export type { ProgrammedCounter } from "./programmed.ts";
export { decorateStatuses } from "./decorate.ts";
export type { GatewayAddress, StatusDecoration } from "./decorate.ts";
export { GATEWAY_PROGRAMMED_REASONS, gatewayProgrammedCondition, withGatewayProgrammed } from "./gateway-programmed.ts";
export type { GatewayDataPlane, GatewayWorkload } from "./gateway-programmed.ts";
export { MESH_TLS_CONDITION, meshTlsCondition, withMeshTlsConditions } from "./mesh-tls.ts";
export type { BackendTransport, BackendTransportLookup } from "./mesh-tls.ts";
