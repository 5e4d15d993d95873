// controller: `weft controller` — watches resources (Kubernetes or a manifest directory), translates
// them into the IR, serves it to proxies over gRPC (pkg/distribution) and writes status (leader
// only, with --leader-elect; without it this replica always writes). Wiring only: the parts are
// started by pkg/controller (startController). Exits 0 on SIGTERM/SIGINT after releasing the lease,
// 2 on a bad flag, 1 when it cannot start.
// Must not: log secrets; exit on bad user resources (they become status and diagnostics).
import { readOptions, type Subcommand } from "../../pkg/cli/index.ts";
import { CONTROLLER_FLAGS, CONTROLLER_USAGE, controllerOptionsFrom, startController } from "../../pkg/controller/index.ts";
import { createLogger, parseLogLevel, startHeapReclaim } from "../../pkg/telemetry/index.ts";
import { untilSignal } from "../signals.ts";

async function run(argv: readonly string[]): Promise<number> {
  const env = process.env;
  const o = readOptions("weft controller", CONTROLLER_USAGE, argv, CONTROLLER_FLAGS, (line) => controllerOptionsFrom(line.flags, env), { env });
  if (typeof o === "number") return o;
  const log = createLogger({ name: "controller", level: parseLogLevel(o.logLevel) ?? "info", base: { identity: o.identity } });
  const handle = await startController(o, log);
  // A huge or rejected config leaves V8's freed pages resident until something reclaims them.
  const reclaim = startHeapReclaim({ log: (fields, msg) => log.info(fields, msg) });
  await untilSignal();
  log.info({}, "shutting down");
  reclaim.stop();
  await handle.stop(true);
  return 0;
}

const command: Subcommand = { summary: "run the control plane (watch, translate, distribute, status)", run };
export default command;
