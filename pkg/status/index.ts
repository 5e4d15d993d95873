// index: the public surface of pkg/status.
export { mergeConditions, MAX_CONDITIONS } from "./conditions.ts";
export { mergeRouteStatus, parentRefKey, MAX_PARENTS } from "./route-status.ts";
export type { RouteMergeContext } from "./route-status.ts";
export { mergeGatewayStatus, mergeGatewayClassStatus } from "./gateway-status.ts";
export { planStatus } from "./plan.ts";
export type { StatusPlan, LiveObject } from "./plan.ts";
export { createStatusWriter, statusPath } from "./writer.ts";
export type { StatusWriter, StatusWriterOptions, WriteReport } from "./writer.ts";
