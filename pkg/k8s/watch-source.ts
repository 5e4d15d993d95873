// watch-source: one list+watch over one resource, kept alive. Wraps @kubernetes/client-node's
// ListWatch (which relists on 410 and re-watches when a stream ends) and adds what it lacks:
// after ANY error the watch restarts with jittered exponential backoff; the served version is
// discovered first (e.g. ReferenceGrant v1, else v1beta1) and a resource whose CRD is absent
// counts as synced-empty and is re-discovered every `rediscoverMs`.
// Takes a KubeConfig, a KubeClient, a resource (a snapshot ResourceKind, or any other watched
// resource such as the provisioner's Deployments), optional namespace/field/label selectors, onEvent.
// Gives synced() (first list done), list() (current objects, raw JSON), stop().
// Must not: throw from callbacks, or report synced before the first list's objects are in the cache.
import { ListWatch, Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from "@kubernetes/client-node";
import { createBackoff } from "./backoff.ts";
import type { KubeClient } from "./kube-client.ts";
import { kubeStatusOf } from "./kube-client.ts";
import type { Log } from "./log.ts";
import { apiPath } from "./resource-kinds.ts";

/** What a watch needs to know of a resource (ResourceKind has it, and more). */
export interface WatchedResource {
  readonly group: string;
  /** Candidate versions in preference order. */
  readonly versions: readonly string[];
  readonly plural: string;
  readonly fieldSelector?: string;
}

export interface WatchSourceOptions<R extends WatchedResource> {
  readonly kc: KubeConfig;
  readonly client: KubeClient;
  readonly resource: R;
  readonly namespace?: string;
  readonly fieldSelector?: string;
  readonly labelSelector?: string;
  readonly onEvent: () => void;
  readonly log: Log;
  readonly rediscoverMs?: number;
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
}

export interface WatchSource<R extends WatchedResource = WatchedResource> {
  readonly resource: R;
  synced(): boolean;
  /** The version being watched, "" while unknown or absent. */
  version(): string;
  list(): readonly KubernetesObject[];
  stop(): void;
}

export async function discoverVersion(client: KubeClient, r: WatchedResource): Promise<string | undefined> {
  if (r.group === "") return r.versions[0];
  for (const v of r.versions) {
    try {
      const res = await client.request<{ resources?: { name?: string }[] }>("GET", `/apis/${r.group}/${v}`);
      if ((res.resources ?? []).some((x) => x.name === r.plural)) return v;
    } catch (err) {
      if (kubeStatusOf(err) !== 404) throw err;
    }
  }
  return undefined;
}

export function startWatchSource<R extends WatchedResource>(opts: WatchSourceOptions<R>): WatchSource<R> {
  const r = opts.resource;
  const backoff = createBackoff({ baseMs: opts.backoff?.baseMs ?? 250, maxMs: opts.backoff?.maxMs ?? 30_000 });
  let lw: ListWatch<KubernetesObject> | undefined;
  let version = "";
  let synced = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const fieldSelector = opts.fieldSelector ?? r.fieldSelector;
  const labelSelector = opts.labelSelector;
  const where = { resource: r.plural, namespace: opts.namespace ?? "*" };

  const schedule = (fn: () => void, ms: number): void => {
    if (stopped) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(fn, ms);
  };

  const restart = (err: unknown): void => {
    const delay = backoff.next();
    if (kubeStatusOf(err) === 404 && lw !== undefined) {
      void lw.stop();
      lw = undefined;
    }
    opts.log.warn({ ...where, status: kubeStatusOf(err), err: err instanceof Error ? err.message : String(err), retryInMs: delay }, "watch failed; restarting");
    schedule(() => {
      if (lw === undefined) void begin();
      else lw.start().catch(restart);
    }, delay);
  };

  const begin = async (): Promise<void> => {
    let v: string | undefined;
    try {
      v = await discoverVersion(opts.client, r);
    } catch (err) {
      restart(err);
      return;
    }
    if (stopped) return;
    if (v === undefined) {
      if (!synced) opts.log.warn(where, "resource not served (CRD not installed?); treating as empty");
      synced = true;
      opts.onEvent();
      schedule(() => void begin(), opts.rediscoverMs ?? 30_000);
      return;
    }
    version = v;
    const path = apiPath(r.group, v, r.plural, opts.namespace);
    const listFn = async (): Promise<KubernetesListObject<KubernetesObject>> => {
      const list = await opts.client.request<KubernetesListObject<KubernetesObject>>("GET", path, { query: { fieldSelector, labelSelector } });
      backoff.reset();
      setImmediate(() => {
        if (stopped) return;
        if (!synced) opts.log.info({ ...where, version: v, items: list.items.length }, "cache synced");
        synced = true;
        opts.onEvent();
      });
      return list;
    };
    lw = new ListWatch<KubernetesObject>(path, new Watch(opts.kc), listFn, false, labelSelector, fieldSelector);
    lw.on("change", () => {
      backoff.reset();
      opts.onEvent();
    });
    lw.on("error", (err: unknown) => restart(err));
    lw.start().catch(restart);
  };

  void begin();
  return {
    resource: r,
    synced: () => synced,
    version: () => version,
    list: () => (lw === undefined ? [] : lw.list()),
    stop(): void {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      void lw?.stop();
    },
  };
}
