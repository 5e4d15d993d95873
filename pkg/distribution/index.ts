// index: the public surface of pkg/distribution (controller server, proxy client, pure slice and
// resource functions; the IR validator is pkg/ir's validateIr). Must not: hold behaviour.
export { createDistributionServer } from "./server.ts";
export { rotatingServerCredentials } from "./server-credentials.ts";
export type { RotatingServerCredentials, ServerCredentials } from "./server-credentials.ts";
export type { DistributionServer, DistributionServerOptions, ProxyStatus, RouteProgrammed, SignHandler } from "./server.ts";
export { createDistributionClient, tlsCredentials } from "./client.ts";
/** The @grpc/grpc-js instance the client runs on, for another gRPC user in the same process (tracing's OTLP/gRPC export). */
export * as distributionGrpc from "@grpc/grpc-js";
export type { DistributionClient, DistributionClientOptions } from "./client.ts";
export { sliceForProxy, sliceKeyOf, EMPTY_SLICE, TRUST_BUNDLE_FEATURE } from "./slice.ts";
export type { ProxyIdentity, ProxyKind, ProxySlice, TrustBundle } from "./slice.ts";
export { encodeSlice, decodeResource, assembleSlice, versionOf } from "./resources.ts";
export { routeKeyOf } from "./snapshot.ts";
export { applyUpdate } from "./apply-update.ts";
export type { SliceValidator } from "./apply-update.ts";
