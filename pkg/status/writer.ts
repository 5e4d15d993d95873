// writer: writes our StatusUpdates to the /status subresources, only while we are leader.
// For each update: plan against the cached live object when given (no request when unchanged),
// otherwise read it; PUT the object with its resourceVersion and the merged status (optimistic
// concurrency, so another controller's concurrent write is never lost); on 409 Conflict re-read and
// re-plan, up to `maxAttempts`. Objects that no longer exist are skipped. Up to `concurrency`
// objects are in flight at once.
// Takes a KubeClient, controllerName, isLeader(); gives write(updates) → a report, and counters.
// Must not: write when not leader, write when nothing changed, or throw for one bad object (the
// error is counted and logged, the rest continue).
import type { StatusUpdate } from "../api/index.ts";
import { GATEWAY_GROUP } from "../api/index.ts";
import { apiPath, kubeStatusOf, type KubeClient, type Log } from "../k8s/index.ts";
import { SILENT_LOG } from "../k8s/index.ts";
import { planStatus, type LiveObject } from "./plan.ts";

const PLURAL: Readonly<Record<StatusUpdate["target"]["kind"], string>> = {
  GatewayClass: "gatewayclasses",
  Gateway: "gateways",
  HTTPRoute: "httproutes",
  GRPCRoute: "grpcroutes",
};

export interface StatusWriterOptions {
  readonly client: KubeClient;
  readonly controllerName: string;
  readonly isLeader: () => boolean;
  readonly log?: Log;
  readonly now?: () => string;
  readonly maxAttempts?: number;
  /** Objects written in parallel (default 4). */
  readonly concurrency?: number;
  /** Cached live object (e.g. from the informer); a hint only, a conflict triggers a fresh read. */
  readonly lookup?: (target: StatusUpdate["target"]) => LiveObject | undefined;
}

export interface WriteReport {
  readonly written: number;
  readonly unchanged: number;
  readonly stale: number;
  readonly missing: number;
  readonly conflicts: number;
  readonly failed: number;
  readonly skippedNotLeader: boolean;
}

export interface StatusWriter {
  write(updates: readonly StatusUpdate[]): Promise<WriteReport>;
  /** Total successful status writes since creation (tests count duplicate writes with it). */
  totalWrites(): number;
}

export function statusPath(target: StatusUpdate["target"]): string {
  return apiPath(GATEWAY_GROUP, "v1", PLURAL[target.kind], target.kind === "GatewayClass" ? undefined : target.namespace, target.name, "status");
}

export function createStatusWriter(opts: StatusWriterOptions): StatusWriter {
  const log = opts.log ?? SILENT_LOG;
  const now = opts.now ?? (() => new Date().toISOString().replace(/\.\d{3}Z$/, "Z"));
  const maxAttempts = opts.maxAttempts ?? 5;
  let total = 0;

  const writeOne = async (u: StatusUpdate, r: { written: number; unchanged: number; stale: number; missing: number; conflicts: number; failed: number }): Promise<void> => {
    const objectPath = statusPath(u.target).replace(/\/status$/, "");
    let live: (LiveObject & Record<string, unknown>) | undefined = opts.lookup?.(u.target) as (LiveObject & Record<string, unknown>) | undefined;
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (!opts.isLeader()) return;
      if (live === undefined) {
        try {
          live = await opts.client.request<LiveObject & Record<string, unknown>>("GET", objectPath);
        } catch (err) {
          if (kubeStatusOf(err) === 404) {
            r.missing++;
            return;
          }
          throw err;
        }
      }
      const plan = planStatus(live, u, opts.controllerName, now());
      if (!plan.write) {
        if (plan.reason === "stale") r.stale++;
        else r.unchanged++;
        return;
      }
      try {
        await opts.client.request("PUT", statusPath(u.target), { body: { ...live, status: plan.status } });
        total++;
        r.written++;
        return;
      } catch (err) {
        const status = kubeStatusOf(err);
        if (status === 404) {
          r.missing++;
          return;
        }
        if (status !== 409) throw err;
        r.conflicts++;
        live = undefined;
      }
    }
    throw new Error(`gave up after ${maxAttempts} conflicting writes`);
  };

  return {
    async write(updates: readonly StatusUpdate[]): Promise<WriteReport> {
      const r = { written: 0, unchanged: 0, stale: 0, missing: 0, conflicts: 0, failed: 0 };
      if (!opts.isLeader()) return { ...r, skippedNotLeader: true };
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < updates.length) {
          const u = updates[next++]!;
          try {
            await writeOne(u, r);
          } catch (err) {
            r.failed++;
            log.warn({ kind: u.target.kind, namespace: u.target.namespace, name: u.target.name, err: err instanceof Error ? err.message : String(err) }, "status write failed");
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 4, updates.length) }, worker));
      return { ...r, skippedNotLeader: false };
    },
    totalWrites: () => total,
  };
}
