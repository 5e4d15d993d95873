// index: public surface of the sidecar capture faces.
export { startSidecar } from "./start-sidecar.ts";
export type { Sidecar, SidecarDestination, SidecarLog, SidecarOptions, SidecarStats, InboundMode, SidecarBinding, InboundBinding, OutboundBinding } from "./sidecar-types.ts";
export { originalDestination, originalDstMethod, loadOriginalDstAddon, setTransparent } from "./original-dst.ts";
export type { OriginalDestination } from "./original-dst.ts";
export { createMeshLookup, type MeshLookup } from "./mesh-lookup.ts";
