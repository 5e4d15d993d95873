// controller: `weft controller` — watches resources (Kubernetes or a manifest directory), translates
// them into the IR, serves it to proxies over gRPC (pkg/distribution) and writes status (leader
// only, with --leader-elect; without it this replica always writes). Wiring only: the stages live
// in pkg/* and cmd/lib/controller-*.ts. Exits 0 on SIGTERM/SIGINT after releasing the lease,
// 2 on a bad flag, 1 when it cannot start.
// Must not: log secrets; exit on bad user resources (they become status and diagnostics).
import { KubeConfig } from "@kubernetes/client-node";
import type { Subcommand } from "../dispatch.ts";
import { createDistributionServer } from "../../pkg/distribution/index.ts";
import {
  createKubeClient, startFileProvider, startKubeProvider, startLeaderElection,
  type FileProvider, type KubeProvider, type LeaderElection,
} from "../../pkg/k8s/index.ts";
import { createStatusWriter } from "../../pkg/status/index.ts";
import { createLogger, parseLogLevel } from "../../pkg/telemetry/index.ts";
import { CONTROLLER_USAGE, parseControllerOptions, type ControllerOptions } from "../lib/controller-options.ts";
import { createControllerPipeline } from "../lib/controller-pipeline.ts";
import { startHealthServer } from "../lib/controller-health.ts";

async function run(argv: readonly string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${CONTROLLER_USAGE}\n`);
    return 0;
  }
  let o: ControllerOptions;
  try {
    o = parseControllerOptions(argv, process.env);
  } catch (err) {
    process.stderr.write(`weft controller: ${err instanceof Error ? err.message : String(err)}\n${CONTROLLER_USAGE}\n`);
    return 2;
  }
  const log = createLogger({ name: "controller", level: parseLogLevel(o.logLevel) ?? "info", base: { identity: o.identity } });
  const distribution = createDistributionServer({ log: (level, msg, fields) => log[level](fields, msg) });
  const grpcPort = await distribution.listen(`${o.grpcAddress}:${o.grpcPort}`);

  let kc: KubeConfig | undefined;
  let election: LeaderElection | undefined;
  let leader = () => true;
  if (o.provider === "kube") {
    kc = new KubeConfig();
    if (o.kubeconfig !== undefined) kc.loadFromFile(o.kubeconfig);
    else kc.loadFromDefault();
  }
  const client = kc === undefined ? undefined : createKubeClient(kc);
  const writer = client === undefined ? undefined : createStatusWriter({
    client, controllerName: o.controllerName, isLeader: () => leader(), log,
    lookup: (t) => pipeline.lookup(t),
  });
  const pipeline = createControllerPipeline({
    translateOptions: { controllerName: o.controllerName },
    setIr: (ir) => distribution.setIr(ir),
    ...(writer !== undefined ? { statusWriter: writer } : {}),
    log,
  });

  let provider: FileProvider | KubeProvider;
  if (o.provider === "file") {
    provider = await startFileProvider({ dir: o.dir!, log, onSnapshot: (s, b) => pipeline.onSnapshot(s, b) });
  } else {
    provider = startKubeProvider({ kc: kc!, client: client!, log, onSnapshot: (s, b) => pipeline.onSnapshot(s, b) });
  }
  if (o.leaderElect && client !== undefined) {
    const e = startLeaderElection({
      client, namespace: o.leaseNamespace, name: o.leaseName, identity: o.identity, log,
      leaseDurationMs: o.leaseDurationMs, renewDeadlineMs: o.renewDeadlineMs, retryPeriodMs: o.retryPeriodMs,
      onStartedLeading: () => pipeline.resyncStatus(),
    });
    election = e;
    leader = () => e.isLeader();
  }
  const health = await startHealthServer(o.grpcAddress, o.healthPort, {
    ready: () => provider.ready() && pipeline.lastResult() !== undefined,
    info: () => ({ leader: leader(), passes: pipeline.passes(), grpcPort, writes: writer?.totalWrites() ?? 0 }),
  });
  log.info({ provider: o.provider, grpcPort, healthPort: health.port, leaderElect: o.leaderElect }, "controller started");

  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  log.info({}, "shutting down");
  provider.stop();
  await election?.stop(true);
  await pipeline.idle();
  health.server.close();
  await distribution.close(2_000);
  return 0;
}

const command: Subcommand = { summary: "run the control plane (watch, translate, distribute, status)", run };
export default command;
