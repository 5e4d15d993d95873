// kube-provider: watches every resource translate reads (resource-kinds.ts) and emits immutable
// ResourceSnapshots through the coalescer (100 ms window, 500 ms cap), each with its Batch
// (endpointsOnly marks EndpointSlice/Pod-only changes for the translate fast path).
// Secrets: only kubernetes.io/tls Secrets referenced by a Gateway listener certificateRef
// (pkg/api secretsReferencedByGateways), plus the mesh CA Secret when named. Assembled by pkg/api's
// SnapshotBuilder. Nothing is emitted before every cache has synced; ready() says so.
// Takes a KubeConfig; gives { ready, whenReady, snapshot, stop }.
// Must not: emit a snapshot that shares mutable objects with the caches, or crash on a bad object.
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import type { ResourceSnapshot, SnapshotKind } from "../api/index.ts";
import { secretsReferencedByGateways, SnapshotBuilder } from "../api/index.ts";
import { createCoalescer, type Batch, type CoalescerOptions } from "./coalescer.ts";
import { createKubeClient, type KubeClient } from "./kube-client.ts";
import { SILENT_LOG, type Log } from "./log.ts";
import { RESOURCE_KINDS, type ResourceKind } from "./resource-kinds.ts";
import { freezeSnapshot } from "./snapshot-freeze.ts";
import { startWatchSource, type WatchSource } from "./watch-source.ts";

export interface KubeProviderOptions {
  readonly kc: KubeConfig;
  readonly onSnapshot: (snapshot: ResourceSnapshot, batch: Batch) => void;
  readonly client?: KubeClient;
  readonly log?: Log;
  readonly coalescer?: CoalescerOptions;
  /** The mesh CA Secret, watched by name in its namespace. */
  readonly caSecret?: { readonly namespace: string; readonly name: string };
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
}

export interface KubeProvider {
  ready(): boolean;
  whenReady(): Promise<void>;
  snapshot(): ResourceSnapshot | undefined;
  stop(): void;
}

function keyOf(o: { readonly metadata?: { readonly namespace?: string | undefined; readonly name?: string | undefined } | undefined }): string {
  return `${o.metadata?.namespace ?? ""}/${o.metadata?.name ?? ""}`;
}

function sortedObjects(list: readonly KubernetesObject[]): KubernetesObject[] {
  return [...list].sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
}

export function startKubeProvider(opts: KubeProviderOptions): KubeProvider {
  const log = opts.log ?? SILENT_LOG;
  const client = opts.client ?? createKubeClient(opts.kc);
  let current: ResourceSnapshot | undefined;
  let readyWaiters: (() => void)[] = [];
  const sources: WatchSource<ResourceKind>[] = [];
  let caSource: WatchSource<ResourceKind> | undefined;
  const allSynced = (): boolean => sources.every((s) => s.synced()) && (caSource?.synced() ?? true);

  const build = (): ResourceSnapshot => {
    const builder = new SnapshotBuilder();
    for (const s of sources) builder.addServed(s.resource.kind, sortedObjects(s.list()));
    const all = builder.build();
    const tls = secretsReferencedByGateways(all.gateways, all.secrets);
    const ca = caSource === undefined ? [] : new SnapshotBuilder().addServed("Secret", caSource.list()).build().secrets;
    const seen = new Set(tls.map((s) => keyOf(s)));
    return freezeSnapshot({ ...all, secrets: [...tls, ...ca.filter((s) => !seen.has(keyOf(s)))] });
  };

  const coalescer = createCoalescer((batch) => {
    current = build();
    opts.onSnapshot(current, batch);
  }, { ...opts.coalescer, onError: (err) => log.error({ err: err instanceof Error ? err.message : String(err) }, "snapshot consumer failed") });

  let wasReady = false;
  const onEvent = (field: SnapshotKind) => (): void => {
    if (!allSynced()) return;
    if (!wasReady) {
      wasReady = true;
      log.info({ resources: sources.length }, "all caches synced");
      for (const w of readyWaiters) w();
      readyWaiters = [];
      for (const s of sources) coalescer.touch(s.resource.field);
      return;
    }
    coalescer.touch(field);
  };

  for (const r of RESOURCE_KINDS) {
    sources.push(startWatchSource({ kc: opts.kc, client, resource: r, onEvent: onEvent(r.field), log, ...(opts.backoff ? { backoff: opts.backoff } : {}) }));
  }
  if (opts.caSecret !== undefined) {
    const secretKind = RESOURCE_KINDS.find((r) => r.field === "secrets")!;
    caSource = startWatchSource({
      kc: opts.kc,
      client,
      resource: secretKind,
      namespace: opts.caSecret.namespace,
      fieldSelector: `metadata.name=${opts.caSecret.name}`,
      onEvent: onEvent("secrets"),
      log,
      ...(opts.backoff ? { backoff: opts.backoff } : {}),
    });
  }

  return {
    ready: () => wasReady,
    whenReady: () => (wasReady ? Promise.resolve() : new Promise<void>((resolve) => readyWaiters.push(resolve))),
    snapshot: () => current,
    stop(): void {
      coalescer.close();
      for (const s of sources) s.stop();
      caSource?.stop();
    },
  };
}
