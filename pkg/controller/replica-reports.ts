// replica-reports: shares each controller replica's proxy counts through the API so the leader's
// `weft.dev/Programmed` covers every replica's proxies. One Lease, `<lease-name>-proxies` in the
// controller's namespace, carries one annotation per replica, `weft.dev/proxies-<hash of identity>`,
// holding its report (replica-report.ts). Every replica writes its own annotation with a JSON merge
// patch (no conflict with the others or with leader election, which uses another Lease) when its counts
// change and at least every heartbeat; the leader reads the Lease, ignores its own entry and entries it
// has seen unchanged for longer than staleMs (judged on its own clock, as leader election judges a
// Lease: a replica that died or hangs drops out), prunes entries unchanged for pruneMs, and calls
// onPeersChanged when what it counts changed. A stopping replica removes its entry.
// RBAC: get/patch on that one Lease by name, create in the namespace (the chart's Role).
// Takes a KubeClient, coordinates, isLeader and the local report; gives peers() and stop().
// Must not: throw out of its timer, or log report contents.
import { createHash } from "node:crypto";
import type { RouteProgrammed } from "../distribution/index.ts";
import { kubeStatusOf, type KubeClient, type Log } from "../k8s/index.ts";
import { decodeReport, encodeReport, type ReplicaReport } from "./replica-report.ts";

export const REPORT_ANNOTATION_PREFIX = "weft.dev/proxies-";

export interface ReplicaReportsOptions {
  readonly client: KubeClient;
  readonly namespace: string;
  /** The report Lease's name (`<lease-name>-proxies`). */
  readonly leaseName: string;
  readonly identity: string;
  isLeader(): boolean;
  localReport(): ReadonlyMap<string, RouteProgrammed>;
  onPeersChanged(): void;
  readonly log: Log;
  readonly intervalMs?: number;
  readonly heartbeatMs?: number;
  readonly staleMs?: number;
  readonly pruneMs?: number;
}

export interface ReplicaReports {
  /** Fresh reports of the other replicas (empty unless leader). */
  peers(): readonly ReplicaReport[];
  /** Stops; removes this replica's entry unless `remove` is false (a simulated crash leaves it to go stale). */
  stop(remove?: boolean): Promise<void>;
}

export function reportAnnotation(identity: string): string {
  return `${REPORT_ANNOTATION_PREFIX}${createHash("sha256").update(identity).digest("hex").slice(0, 16)}`;
}

interface LeaseObject {
  metadata?: { annotations?: Record<string, string> };
}

export function startReplicaReports(o: ReplicaReportsOptions): ReplicaReports {
  const intervalMs = o.intervalMs ?? 1_000;
  const heartbeatMs = o.heartbeatMs ?? 10_000;
  const staleMs = o.staleMs ?? 3 * heartbeatMs;
  const pruneMs = o.pruneMs ?? 10 * staleMs;
  const path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(o.namespace)}/leases/${encodeURIComponent(o.leaseName)}`;
  const collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(o.namespace)}/leases`;
  const own = reportAnnotation(o.identity);
  let written: { body: string; at: number } | undefined;
  let warnedTruncated = false;
  /** Per annotation: its value and when this replica first saw that value. */
  const seen = new Map<string, { value: string; since: number }>();
  let peers: readonly ReplicaReport[] = [];
  let peerKey = "";
  let stopped = false;
  let running: Promise<void> | undefined;

  const patchAnnotations = async (annotations: Record<string, string | null>): Promise<void> => {
    const body = { metadata: { annotations } };
    try {
      await o.client.request("PATCH", path, { body, contentType: "application/merge-patch+json", timeoutMs: 10_000 });
    } catch (e) {
      if (kubeStatusOf(e) !== 404) throw e;
      try {
        await o.client.request("POST", collection, {
          body: { apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: o.leaseName, namespace: o.namespace, labels: { "app.kubernetes.io/managed-by": "weft" } }, spec: {} },
          timeoutMs: 10_000,
        });
      } catch (c) {
        if (kubeStatusOf(c) !== 409) throw c;
      }
      await o.client.request("PATCH", path, { body, contentType: "application/merge-patch+json", timeoutMs: 10_000 });
    }
  };

  const publish = async (): Promise<void> => {
    const routes = o.localReport();
    const body = JSON.stringify([...routes].sort((a, b) => (a[0] < b[0] ? -1 : 1)));
    const now = Date.now();
    if (written !== undefined && written.body === body && now - written.at < heartbeatMs) return;
    const { text, truncated } = encodeReport(o.identity, now, routes);
    if (truncated && !warnedTruncated) {
      warnedTruncated = true;
      o.log.warn({ routes: routes.size }, "replica report too large: some routes' programmed counts leave out this replica's proxies");
    }
    await patchAnnotations({ [own]: text });
    written = { body, at: now };
  };

  const collect = async (): Promise<void> => {
    if (!o.isLeader()) {
      if (peers.length > 0) {
        peers = [];
        peerKey = "";
        o.onPeersChanged();
      }
      return;
    }
    let lease: LeaseObject;
    try {
      lease = await o.client.request<LeaseObject>("GET", path, { timeoutMs: 10_000 });
    } catch (e) {
      if (kubeStatusOf(e) === 404) lease = {};
      else throw e;
    }
    const now = Date.now();
    const annotations = lease.metadata?.annotations ?? {};
    const fresh: ReplicaReport[] = [];
    const prune: Record<string, null> = {};
    for (const [k, v] of Object.entries(annotations)) {
      if (!k.startsWith(REPORT_ANNOTATION_PREFIX) || k === own) continue;
      const prev = seen.get(k);
      const since = prev !== undefined && prev.value === v ? prev.since : now;
      seen.set(k, { value: v, since });
      if (now - since > pruneMs) prune[k] = null;
      if (now - since > staleMs) continue;
      const report = decodeReport(v);
      if (report !== undefined) fresh.push(report);
    }
    for (const k of [...seen.keys()]) if (!(k in annotations)) seen.delete(k);
    if (Object.keys(prune).length > 0) await patchAnnotations(prune);
    fresh.sort((a, b) => (a.identity < b.identity ? -1 : 1));
    const key = fresh.map((r) => `${r.identity}@${r.at}`).join(",");
    if (key !== peerKey) {
      peerKey = key;
      const before = peers;
      peers = fresh;
      // Only a change of counts changes route status; a heartbeat alone (new `at`) does not.
      if (countsKey(before) !== countsKey(fresh)) o.onPeersChanged();
    }
  };

  const tick = async (): Promise<void> => {
    try {
      await publish();
    } catch (e) {
      o.log.warn({ lease: `${o.namespace}/${o.leaseName}`, err: e instanceof Error ? e.message : String(e) }, "cannot publish this replica's proxy report");
    }
    try {
      await collect();
    } catch (e) {
      o.log.warn({ lease: `${o.namespace}/${o.leaseName}`, err: e instanceof Error ? e.message : String(e) }, "cannot read the replicas' proxy reports");
    }
  };

  const timer = setInterval(() => {
    if (stopped || running !== undefined) return;
    running = tick().finally(() => {
      running = undefined;
    });
  }, intervalMs);
  timer.unref();

  return {
    peers: () => peers,
    async stop(remove = true): Promise<void> {
      stopped = true;
      clearInterval(timer);
      await running;
      if (!remove || written === undefined) return;
      await patchAnnotations({ [own]: null }).catch((e: unknown) => {
        o.log.warn({ err: e instanceof Error ? e.message : String(e) }, "cannot remove this replica's proxy report");
      });
    },
  };
}

function countsKey(reports: readonly ReplicaReport[]): string {
  return reports.map((r) => `${r.identity}:${JSON.stringify([...r.routes])}`).join("|");
}
