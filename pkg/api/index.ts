// index: the public surface of pkg/api.
export type * from "./meta.ts";
export type * from "./core-types.ts";
export type * from "./gateway-types.ts";
export type * from "./status-types.ts";
export type { ResourceSnapshot, SnapshotKind } from "./snapshot.ts";
export { emptySnapshot } from "./snapshot.ts";
export { GATEWAY_GROUP, WEFT_CONTROLLER_NAME } from "./gateway-types.ts";
export type { ApiObject, ParseIssue, ParseOutcome } from "./parse-types.ts";
export { PARSE_LIMITS, formatIssue } from "./parse-types.ts";
export { parseManifests, objectId } from "./parse.ts";
export { buildSnapshot } from "./parse-snapshot.ts";
export { isApiObject, SnapshotBuilder, SNAPSHOT_FIELD } from "./snapshot-builder.ts";
export type { ApiKind } from "./snapshot-builder.ts";
export { secretsReferencedByGateways } from "./gateway-secrets.ts";
export { podRunsWeftSidecar, WEFT_PROXY_CONTAINER } from "./mesh-pod.ts";
