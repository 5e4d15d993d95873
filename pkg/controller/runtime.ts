// runtime: starts every part of the controller from ControllerOptions and stops them.
// Takes options and a Log; gives a handle (ready, isLeader, writes, ports, identity, stop).
// With the kube provider and --ca-secret (or the file provider and --local-dev-tokens), the
// distribution server signs CSRs, requires proxies' tokens, authorizes slices and serves TLS with a
// mesh-CA certificate (distribution-*.ts; plaintext only with --grpc-insecure). `weft controller` and the Kubernetes-tier tests (which run replicas in-process to count
// writes) share it.
// stop(release=false) simulates a crash for leader-election tests: the lease is not released.
// Must not: exit the process, or write status when --leader-elect is on and we are not leader.
import type { KubeConfig } from "@kubernetes/client-node";
import { readFileSync } from "node:fs";
import type { ResourceSnapshot } from "../api/index.ts";
import { createDistributionServer } from "../distribution/index.ts";
import {
  createKubeClient,
  loadKubeConfig,
  startFileProvider,
  startKubeProvider,
  startLeaderElection,
  type FileProvider,
  type KubeProvider,
  type LeaderElection,
  type Log,
} from "../k8s/index.ts";
import { createStatusWriter, decorateStatuses, type StatusWriter } from "../status/index.ts";
import type { ControllerOptions } from "./options.ts";
import { createControllerPipeline, type ControllerPipeline } from "./pipeline.ts";
import { startHealthServer } from "./health.ts";
import { createProvisioner } from "./provisioner.ts";
import { gatewayAddresses } from "./gateway-objects.ts";
import { backendTransportLookup } from "./backend-transport.ts";
import { combineProgrammed } from "./replica-report.ts";
import { startReplicaReports, type ReplicaReports } from "./replica-reports.ts";
import { startMeshIdentity, type MeshIdentity } from "./mesh-identity.ts";
import { startLocalDevIdentity } from "./local-dev-identity.ts";
import { distributionAccess } from "./distribution-auth.ts";
import { startDistributionTls, type DistributionTls } from "./distribution-tls.ts";
import { distributionSecurityProblem } from "./options.ts";
import { startInjectionWebhook, type InjectionWebhook } from "./webhook-host.ts";
import { createMetricsRegistry, registerControllerMetrics } from "../telemetry/index.ts";

export interface ControllerHandle {
  readonly grpcPort: number;
  readonly healthPort: number;
  readonly pipeline: ControllerPipeline;
  readonly writer: StatusWriter | undefined;
  /** Mesh CA, TokenReview and CSR signing (kube provider with --ca-secret). */
  readonly identity: MeshIdentity | undefined;
  /** The injection webhook (with --ca-secret and --webhook-service). */
  readonly webhook: InjectionWebhook | undefined;
  ready(): boolean;
  /** The newest snapshot the provider emitted (undefined before the first). */
  snapshot(): ResourceSnapshot | undefined;
  isLeader(): boolean;
  stop(release?: boolean): Promise<void>;
}

export async function startController(o: ControllerOptions, log: Log, kcIn?: KubeConfig): Promise<ControllerHandle> {
  const insecureProblem = distributionSecurityProblem(o);
  if (insecureProblem !== undefined) throw new Error(insecureProblem);
  const kc = kcIn ?? (o.provider === "kube" ? loadKubeConfig(o.kubeconfig) : undefined);
  const client = kc === undefined ? undefined : createKubeClient(kc);
  // Served on the admin port's /metrics: every part below counts into this one set.
  const metricsRegistry = createMetricsRegistry({ processMetrics: true });
  const metrics = registerControllerMetrics(metricsRegistry);
  const identity = client !== undefined && o.caSecret !== undefined
    ? await startMeshIdentity(client, { namespace: o.namespace, secretName: o.caSecret, trustDomain: o.trustDomain, certLifetimeMs: o.certLifetimeMs, log, metrics })
    : o.provider === "file" && o.localDevTokens !== undefined
    ? startLocalDevIdentity(readFileSync(o.localDevTokens, "utf8"), { trustDomain: o.trustDomain, certLifetimeMs: o.certLifetimeMs, log, metrics,
      ...(o.caDir !== undefined ? { caDir: o.caDir } : {}) })
    : undefined;
  // Proxy ACK/NACKs change route statuses (weft.dev/Programmed): refresh at most once a second, and
  // every 10 s so disconnected proxies drop out of the counts.
  let refreshTimer: NodeJS.Timeout | undefined;
  const scheduleStatusRefresh = (): void => {
    refreshTimer ??= setTimeout(() => {
      refreshTimer = undefined;
      void pipeline.refreshStatus();
    }, 1_000);
  };
  const refreshTick = setInterval(scheduleStatusRefresh, 10_000);
  refreshTick.unref();
  const distribution = createDistributionServer({
    onAck: scheduleStatusRefresh,
    onNack: scheduleStatusRefresh,
    log: (level, msg, fields) => (level === "warn" ? log.warn(fields, msg) : log.info(fields, msg)),
    metrics,
    ...distributionAccess(o.provider, identity, client),
  });
  const tls: DistributionTls | undefined = identity !== undefined && !o.grpcInsecure
    ? startDistributionTls({ ca: identity.ca, namespace: o.namespace, service: o.grpcService, controllerAddress: o.controllerAddress, extraDnsNames: o.grpcDnsNames, log })
    : undefined;
  if (tls === undefined) log.warn({ grpcInsecure: o.grpcInsecure }, "distribution port serves plaintext (no mesh CA or --grpc-insecure): development only");
  // Proxies that take it get the CA's roots over the stream, so a changed CA reaches them without a restart.
  const pushTrust = (): void => distribution.setTrust(identity?.ca.trustBundle());
  pushTrust();
  const grpcPort = await distribution.listen(`${o.grpcAddress}:${o.grpcPort}`, tls?.credentials);
  let election: LeaderElection | undefined;
  /** Other replicas' proxy counts (leader election on): set below, read when status is decorated. */
  let reports: ReplicaReports | undefined;
  let leader = (): boolean => true;
  const writer = client === undefined ? undefined : createStatusWriter({
    client,
    controllerName: o.controllerName,
    isLeader: () => leader(),
    log,
    lookup: (t) => pipeline.lookup(t),
  });
  const provisioner = client !== undefined && o.provisionGateways
    ? createProvisioner({ client, controllerName: o.controllerName, image: o.gatewayImage, controllerAddress: o.controllerAddress, trustDomain: o.trustDomain, log, ...(kc !== undefined ? { kc } : {}),
      onWorkloadChange: scheduleStatusRefresh, ...(o.proxyTracing !== undefined ? { tracing: o.proxyTracing } : {}),
      ...(tls !== undefined && identity !== undefined ? { trustBundle: () => identity.ca.trustBundle() } : {}) })
    : undefined;
  const pipeline = createControllerPipeline({
    translateOptions: { controllerName: o.controllerName, trustDomain: o.trustDomain, meshedPods: o.meshedPods },
    setIr: (ir) => {
      pushTrust();
      distribution.setIr(ir);
    },
    ...(writer !== undefined ? { statusWriter: writer } : {}),
    decorateStatuses: (st, snap) =>
      decorateStatuses(st, {
        // Every replica's proxies: this one's, plus what the others report through the API.
        programmed: (key, gen) => combineProgrammed(distribution.programmedCount(key, gen), reports?.peers() ?? [], key, gen),
        backendTransport: (key) => {
          const ir = pipeline.lastResult()?.ir;
          return ir === undefined ? undefined : backendTransportLookup(ir)(key);
        },
        ...(provisioner !== undefined ?
          {
            gatewayAddresses: (ns: string, name: string) => gatewayAddresses(snap, ns, name),
            gatewayDataPlane: {
              workload: (ns: string, name: string) => provisioner.workload(ns, name),
              proxies: (ns: string, name: string) => combineProgrammed(distribution.gatewayProgrammedCount(ns, name), reports?.peers() ?? [], `Gateway/${ns}/${name}`, 0),
            },
          } :
          {}),
      }),
    onPass: ({ ms, fast, failed }) => {
      if (!fast && !failed) metrics.translateDuration.observe(ms / 1000);
    },
    ...(provisioner !== undefined ?
      {
        afterPass: async (s) => {
          if (leader()) await provisioner.reconcile(s);
        },
      } :
      {}),
    log,
  });
  let provider: FileProvider | KubeProvider;
  if (o.provider === "file") {
    provider = await startFileProvider({ dir: o.dir ?? ".", log, onSnapshot: (s, b) => pipeline.onSnapshot(s, b) });
  } else {
    provider = startKubeProvider({
      kc: kc!,
      client: client!,
      log,
      onSnapshot: (s, b) => pipeline.onSnapshot(s, b),
      ...(o.caSecret !== undefined ? { caSecret: { namespace: o.namespace, name: o.caSecret } } : {}),
    });
  }
  if (o.leaderElect && client !== undefined) {
    reports = startReplicaReports({
      client,
      namespace: o.leaseNamespace,
      leaseName: `${o.leaseName}-proxies`,
      identity: o.identity,
      log,
      isLeader: () => leader(),
      localReport: () => distribution.programmedReport(),
      onPeersChanged: scheduleStatusRefresh,
    });
    const e = startLeaderElection({
      client,
      namespace: o.leaseNamespace,
      name: o.leaseName,
      identity: o.identity,
      log,
      leaseDurationMs: o.leaseDurationMs,
      renewDeadlineMs: o.renewDeadlineMs,
      retryPeriodMs: o.retryPeriodMs,
      onStartedLeading: () => pipeline.resyncStatus(),
    });
    election = e;
    leader = () => e.isLeader();
  }
  let webhook: InjectionWebhook | undefined;
  if (identity !== undefined && client !== undefined && o.webhookService !== undefined) {
    webhook = await startInjectionWebhook({
      client,
      identity,
      namespace: o.namespace,
      service: o.webhookService,
      extraDnsNames: o.webhookDnsNames,
      ...(o.webhookConfig !== undefined ? { configName: o.webhookConfig } : {}),
      address: o.grpcAddress,
      port: o.webhookPort,
      controllerInsecure: tls === undefined,
      ...(o.injectionConfigJson !== undefined ? { injectionConfigJson: o.injectionConfigJson } : {}),
      ...(o.proxyTracing !== undefined ? { proxyTracing: o.proxyTracing } : {}),
      snapshot: () => provider.snapshot(),
      log,
      metrics,
    });
  }
  const ready = (): boolean => provider.ready() && pipeline.lastResult() !== undefined;
  const health = await startHealthServer(o.grpcAddress, o.healthPort, {
    ready,
    info: () => ({ leader: leader(), passes: pipeline.passes(), grpcPort, writes: writer?.totalWrites() ?? 0 }),
    metrics: metricsRegistry,
  });
  log.info({ provider: o.provider, grpcPort, healthPort: health.port, leaderElect: o.leaderElect }, "controller started");
  return {
    grpcPort,
    healthPort: health.port,
    pipeline,
    writer,
    identity,
    webhook,
    ready,
    snapshot: () => provider.snapshot(),
    isLeader: () => leader(),
    async stop(release = true): Promise<void> {
      clearInterval(refreshTick);
      if (refreshTimer !== undefined) clearTimeout(refreshTimer);
      provider.stop();
      provisioner?.stop();
      await webhook?.stop();
      await reports?.stop(release);
      await election?.stop(release);
      await pipeline.idle();
      await new Promise<void>((r) => health.server.close(() => r()));
      await distribution.close(1_000);
      tls?.stop();
    },
  };
}
