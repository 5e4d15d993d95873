// pipeline: snapshot → translate → distribution IR and status writes.
// Takes snapshots with their Batch (from the kube or file provider); runs one pass at a time (a
// snapshot arriving during a pass is kept and only the newest runs next). Endpoint-only batches
// take translateEndpoints (no status change, so no status write). A pass whose translate failed
// (InternalError diagnostic) keeps the last good IR. Status goes through the writer (leader only),
// planned against the objects in the same snapshot so an unchanged status costs no request.
// Gives onSnapshot, resyncStatus (after winning leadership), refreshStatus (proxy ACKs changed the
// decoration), lastResult, lookup, passes, idle().
// Must not: throw out of onSnapshot, or let a status/distribution failure stop later passes.
import type { ResourceSnapshot, StatusUpdate } from "../api/index.ts";
import type { Batch, Log } from "../k8s/index.ts";
import type { LiveObject, StatusWriter } from "../status/index.ts";
import type { MeshIR } from "../ir/types.ts";
import { translate, translateEndpoints, type TranslateOptions, type TranslateResult } from "../translate/index.ts";

export interface PipelineOptions {
  readonly translateOptions: TranslateOptions;
  readonly setIr?: (ir: MeshIR) => void;
  readonly statusWriter?: StatusWriter;
  readonly log: Log;
  /** Adjusts statuses before writing (e.g. provisioned Gateway addresses). */
  readonly decorateStatuses?: (statuses: readonly StatusUpdate[], snapshot: ResourceSnapshot) => readonly StatusUpdate[];
  /** Runs after each full pass (e.g. gateway provisioning); errors are logged. */
  readonly afterPass?: (snapshot: ResourceSnapshot) => Promise<void>;
  readonly onPass?: (info: { readonly ms: number; readonly fast: boolean; readonly failed: boolean }) => void;
}

export interface ControllerPipeline {
  onSnapshot(snapshot: ResourceSnapshot, batch: Batch): void;
  resyncStatus(): void;
  /** Re-decorates and writes the last pass's statuses without translating (e.g. after proxy ACKs). */
  refreshStatus(): Promise<void>;
  lastResult(): TranslateResult | undefined;
  /** The object as it was in the newest snapshot (status-writer hint). */
  lookup(target: StatusUpdate["target"]): LiveObject | undefined;
  passes(): number;
  /** Resolves when no pass is running or queued. */
  idle(): Promise<void>;
}

type Target = StatusUpdate["target"];

function lookupIn(snapshot: ResourceSnapshot, t: Target): LiveObject | undefined {
  const list: readonly { metadata: { name: string; namespace?: string } }[] = t.kind === "GatewayClass"
    ? snapshot.gatewayClasses
    : t.kind === "Gateway"
    ? snapshot.gateways
    : t.kind === "HTTPRoute"
    ? snapshot.httpRoutes
    : snapshot.grpcRoutes;
  return list.find((o) => o.metadata.name === t.name && (t.kind === "GatewayClass" || (o.metadata.namespace ?? "") === t.namespace));
}

export function createControllerPipeline(opts: PipelineOptions): ControllerPipeline {
  let last: TranslateResult | undefined;
  let lastSnapshot: ResourceSnapshot | undefined;
  let pending: { snapshot: ResourceSnapshot; batch: Batch } | undefined;
  let running: Promise<void> | undefined;
  let passCount = 0;
  let statusDirty = false;
  /** A refresh asked for while a pass ran: done once the passes end (the pass may have decorated before the news). */
  let refreshQueued = false;

  const writeStatus = async (statuses: readonly StatusUpdate[]): Promise<void> => {
    if (opts.statusWriter === undefined) return;
    const report = await opts.statusWriter.write(statuses);
    statusDirty = report.skippedNotLeader;
    if (report.written > 0 || report.failed > 0 || report.conflicts > 0) opts.log.info({ ...report }, "status written");
  };

  const pass = async (snapshot: ResourceSnapshot, batch: Batch): Promise<void> => {
    const t0 = performance.now();
    const fast = batch.endpointsOnly && last !== undefined;
    const result = fast ? translateEndpoints(last!, snapshot, opts.translateOptions) : translate(snapshot, opts.translateOptions);
    const failed = result.diagnostics.some((d) => d.code === "InternalError");
    passCount++;
    lastSnapshot = snapshot;
    if (failed) {
      opts.log.error({ diagnostics: result.diagnostics.filter((d) => d.code === "InternalError").map((d) => d.message) }, "translate failed; keeping the last good configuration");
      opts.onPass?.({ ms: performance.now() - t0, fast, failed });
      return;
    }
    last = result;
    try {
      opts.setIr?.(result.ir);
    } catch (err) {
      opts.log.error({ err: err instanceof Error ? err.message : String(err) }, "distribution rejected the IR");
    }
    opts.onPass?.({ ms: performance.now() - t0, fast, failed });
    if (!fast) {
      try {
        await opts.afterPass?.(snapshot);
      } catch (err) {
        opts.log.error({ err: err instanceof Error ? err.message : String(err) }, "post-pass step failed");
      }
    }
    if (!fast || statusDirty) await writeStatus(opts.decorateStatuses?.(result.statuses, snapshot) ?? result.statuses);
  };

  const refresh = async (): Promise<void> => {
    if (last === undefined || lastSnapshot === undefined) return;
    if (running !== undefined) {
      refreshQueued = true;
      return;
    }
    refreshQueued = false;
    const snapshot = lastSnapshot;
    try {
      await writeStatus(opts.decorateStatuses?.(last.statuses, snapshot) ?? last.statuses);
    } catch (err) {
      opts.log.error({ err: err instanceof Error ? err.message : String(err) }, "status refresh failed");
    }
  };

  const drain = (): void => {
    if (running !== undefined) return;
    running = (async () => {
      while (pending !== undefined) {
        const next = pending;
        pending = undefined;
        try {
          await pass(next.snapshot, next.batch);
        } catch (err) {
          opts.log.error({ err: err instanceof Error ? err.message : String(err) }, "controller pass failed");
        }
      }
    })().finally(() => {
      running = undefined;
      if (refreshQueued) void refresh();
    });
  };

  return {
    onSnapshot(snapshot: ResourceSnapshot, batch: Batch): void {
      if (pending !== undefined) {
        const kinds = new Set([...pending.batch.kinds, ...batch.kinds]);
        batch = { kinds, events: pending.batch.events + batch.events, endpointsOnly: pending.batch.endpointsOnly && batch.endpointsOnly };
      }
      pending = { snapshot, batch };
      drain();
    },
    resyncStatus(): void {
      if (lastSnapshot === undefined) return;
      pending ??= { snapshot: lastSnapshot, batch: { kinds: new Set(["gateways"]), events: 1, endpointsOnly: false } };
      drain();
    },
    refreshStatus: () => refresh(),
    lastResult: () => last,
    lookup: (t: Target) => (lastSnapshot === undefined ? undefined : lookupIn(lastSnapshot, t)),
    passes: () => passCount,
    async idle(): Promise<void> {
      while (running !== undefined) await running;
    },
  };
}
