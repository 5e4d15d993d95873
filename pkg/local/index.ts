// index: the public surface of pkg/local — `weft local`: the plan from a manifest directory, the
// processes (controller, proxies, demo apps) on loopback, the banner and the trace summary.
export { runLocal, plannedAddresses, plaintextControllerFlags } from "./run.ts";
export type { LocalRunOptions } from "./run.ts";
export { planLocal, LOCAL_PORT_SPAN } from "./plan.ts";
export type { LocalOptions, LocalPlan } from "./plan.ts";
export { LOCAL_FLAGS, LOCAL_USAGE, localOptionsFrom, defaultLocalCaDir, privilegedPortsBelow } from "./options.ts";
export { createSupervisor } from "./processes.ts";
export type { LocalChild, Supervisor } from "./processes.ts";
