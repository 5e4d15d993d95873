// index: the public surface of pkg/controller — the controller as a program: options from flags,
// startController(options, log) wiring provider → pipeline (translate → status + distribution),
// mesh identity, distribution TLS/auth, gateway provisioner, injection webhook and health endpoints.
export { startController } from "./runtime.ts";
export type { ControllerHandle } from "./runtime.ts";
export { CONTROLLER_FLAGS, CONTROLLER_USAGE, controllerOptionsFrom, distributionSecurityProblem, parseControllerOptions, parseDuration } from "./options.ts";
export type { ControllerOptions } from "./options.ts";
export { createControllerPipeline } from "./pipeline.ts";
export type { ControllerPipeline, PipelineOptions } from "./pipeline.ts";
export { desiredGatewayObjects, gatewayAddresses, provisionedName } from "./gateway-objects.ts";
export { startHealthServer } from "./health.ts";
export { loadOrCreateCaDir } from "./ca-dir.ts";
export { parseLocalDevTokens } from "./local-dev-identity.ts";
export type { MeshIdentity } from "./mesh-identity.ts";
