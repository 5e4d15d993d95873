// kube-provider: watches every resource translate reads (resource-kinds.ts) and emits immutable
// ResourceSnapshots through the coalescer (100 ms window, 500 ms cap), each with its Batch
// (endpointsOnly marks EndpointSlice/Pod-only changes for the translate fast path).
// Secrets: only kubernetes.io/tls Secrets referenced by a Gateway listener certificateRef, plus the
// mesh CA Secret when named. Nothing is emitted before every cache has synced; ready() says so.
// Takes a KubeConfig; gives { ready, whenReady, snapshot, stop }.
// Must not: emit a snapshot that shares mutable objects with the caches, or crash on a bad object.
import type { KubeConfig, KubernetesObject } from "@kubernetes/client-node";
import type { ResourceSnapshot, SnapshotKind } from "../api/index.ts";
import { emptySnapshot } from "../api/index.ts";
import type { Gateway, Secret } from "../api/index.ts";
import { createCoalescer, type Batch, type CoalescerOptions } from "./coalescer.ts";
import { createKubeClient, type KubeClient } from "./kube-client.ts";
import { SILENT_LOG, type Log } from "./log.ts";
import { RESOURCE_KINDS } from "./resource-kinds.ts";
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

/** TLS Secrets named by some Gateway listener's certificateRefs (namespace defaults to the Gateway's). */
function referencedSecrets(gateways: readonly Gateway[], secrets: readonly Secret[]): Secret[] {
  const wanted = new Set<string>();
  for (const g of gateways) {
    for (const l of g.spec?.listeners ?? []) {
      for (const ref of l.tls?.certificateRefs ?? []) {
        if ((ref.group ?? "") !== "" || (ref.kind ?? "Secret") !== "Secret") continue;
        wanted.add(`${ref.namespace ?? g.metadata.namespace ?? ""}/${ref.name}`);
      }
    }
  }
  return secrets.filter((s) => wanted.has(`${s.metadata.namespace ?? ""}/${s.metadata.name}`));
}

export function startKubeProvider(opts: KubeProviderOptions): KubeProvider {
  const log = opts.log ?? SILENT_LOG;
  const client = opts.client ?? createKubeClient(opts.kc);
  let current: ResourceSnapshot | undefined;
  let readyWaiters: (() => void)[] = [];
  const sources: WatchSource[] = [];
  let caSource: WatchSource | undefined;
  const allSynced = (): boolean => sources.every((s) => s.synced()) && (caSource?.synced() ?? true);

  const build = (): ResourceSnapshot => {
    const out: Record<SnapshotKind, KubernetesObject[]> = { ...emptySnapshot() } as unknown as Record<SnapshotKind, KubernetesObject[]>;
    for (const s of sources) out[s.resource.field] = sortedObjects(s.list());
    const gateways = out.gateways as unknown as Gateway[];
    const tls = referencedSecrets(gateways, out.secrets as unknown as Secret[]);
    const ca = caSource === undefined ? [] : (caSource.list() as unknown as Secret[]);
    const seen = new Set(tls.map((s) => keyOf(s)));
    out.secrets = [...tls, ...ca.filter((s) => !seen.has(keyOf(s)))] as unknown as KubernetesObject[];
    return freezeSnapshot(out as unknown as ResourceSnapshot);
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
      kc: opts.kc, client, resource: secretKind, namespace: opts.caSecret.namespace,
      fieldSelector: `metadata.name=${opts.caSecret.name}`, onEvent: onEvent("secrets"), log,
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
