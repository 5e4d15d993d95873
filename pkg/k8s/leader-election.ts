// leader-election: one active controller among replicas, through a coordination.k8s.io/v1 Lease.
// Follows client-go's algorithm: every retryPeriod try to acquire or renew; a lease held by someone
// else is taken only after it has not changed for leaseDuration as observed on OUR clock (no
// cross-machine clock comparison); a leader that cannot renew within renewDeadline steps down; on
// stop() a leader releases (holder cleared, duration 1 s) so another replica takes over at once.
// Defaults: leaseDuration 15 s, renewDeadline 10 s, retryPeriod 2 s (configurable for tests).
// Takes a KubeClient and lease coordinates; gives isLeader(), stop(), and start/stop callbacks.
// Must not: claim leadership without a successful write, or keep acting as leader after a failed
// renew deadline.
import { kubeStatusOf, type KubeClient } from "./kube-client.ts";
import { SILENT_LOG, type Log } from "./log.ts";

export interface LeaderElectionOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs?: number;
  readonly renewDeadlineMs?: number;
  readonly retryPeriodMs?: number;
  readonly onStartedLeading?: () => void;
  readonly onStoppedLeading?: () => void;
  readonly log?: Log;
  readonly now?: () => number;
}

export interface LeaderElection {
  isLeader(): boolean;
  /** Stops electing; a leader releases the lease unless `release` is false (a simulated crash). */
  stop(release?: boolean): Promise<void>;
}

interface Lease {
  metadata: { name: string; namespace: string; resourceVersion?: string };
  spec: {
    holderIdentity?: string | null;
    leaseDurationSeconds?: number;
    acquireTime?: string | null;
    renewTime?: string | null;
    leaseTransitions?: number;
  };
}

function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, "000Z");
}

export function startLeaderElection(opts: LeaderElectionOptions): LeaderElection {
  const log = opts.log ?? SILENT_LOG;
  const now = opts.now ?? Date.now;
  const leaseMs = opts.leaseDurationMs ?? 15_000;
  const renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
  const retryMs = opts.retryPeriodMs ?? 2_000;
  const path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(opts.namespace)}/leases/${encodeURIComponent(opts.name)}`;
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(opts.namespace)}/leases`;
  let leader = false;
  let stopped = false;
  let lastRenew = 0;
  let observed: { record: string; at: number } | undefined;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const become = (value: boolean): void => {
    if (leader === value) return;
    leader = value;
    log.info({ lease: `${opts.namespace}/${opts.name}`, identity: opts.identity, leader: value }, value ? "became leader" : "stopped leading");
    try {
      (value ? opts.onStartedLeading : opts.onStoppedLeading)?.();
    } catch (err) {
      log.error({ err: err instanceof Error ? err.message : String(err) }, "leader callback failed");
    }
  };

  const spec = (t: number, prev?: Lease["spec"]): Lease["spec"] => {
    const takeover = prev?.holderIdentity !== opts.identity;
    return {
      holderIdentity: opts.identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(leaseMs / 1000)),
      acquireTime: takeover ? microTime(t) : (prev?.acquireTime ?? microTime(t)),
      renewTime: microTime(t),
      leaseTransitions: (prev?.leaseTransitions ?? 0) + (takeover && prev?.holderIdentity ? 1 : 0),
    };
  };

  const tryAcquireOrRenew = async (): Promise<boolean> => {
    const t = now();
    let lease: Lease;
    try {
      lease = await opts.client.request<Lease>("GET", path);
    } catch (err) {
      if (kubeStatusOf(err) !== 404) throw err;
      await opts.client.request("POST", collection, {
        body: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: opts.name, namespace: opts.namespace }, spec: spec(t) },
      });
      return true;
    }
    const record = JSON.stringify([lease.spec.holderIdentity ?? "", lease.spec.renewTime ?? "", lease.spec.leaseDurationSeconds ?? 0]);
    if (observed === undefined || observed.record !== record) observed = { record, at: t };
    const holder = lease.spec.holderIdentity ?? "";
    const duration = (lease.spec.leaseDurationSeconds ?? 0) * 1000;
    if (holder !== "" && holder !== opts.identity && observed.at + duration > t) return false;
    await opts.client.request("PUT", path, { body: { ...lease, spec: spec(t, lease.spec) } });
    observed = undefined;
    return true;
  };

  const round = async (): Promise<void> => {
    if (stopped) return;
    try {
      if (await tryAcquireOrRenew()) {
        lastRenew = now();
        become(true);
      } else {
        become(false);
      }
    } catch (err) {
      const status = kubeStatusOf(err);
      if (status !== 409) log.warn({ status, err: err instanceof Error ? err.message : String(err) }, "lease update failed");
      if (leader && now() - lastRenew > renewDeadlineMs) become(false);
    }
  };

  const loop = (): void => {
    if (stopped) return;
    inFlight = round().finally(() => {
      if (!stopped) timer = setTimeout(loop, retryMs);
    });
  };
  loop();

  return {
    isLeader: () => leader && !stopped && now() - lastRenew <= leaseMs,
    async stop(release = true): Promise<void> {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await inFlight.catch(() => undefined);
      if (leader && release) {
        try {
          const lease = await opts.client.request<Lease>("GET", path);
          if (lease.spec.holderIdentity === opts.identity) {
            await opts.client.request("PUT", path, {
              body: { ...lease, spec: { ...lease.spec, holderIdentity: null, leaseDurationSeconds: 1, renewTime: microTime(now()) } },
            });
          }
        } catch (err) {
          log.warn({ err: err instanceof Error ? err.message : String(err) }, "lease release failed");
        }
      }
      become(false);
    },
  };
}
