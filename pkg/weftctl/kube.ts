// kube: one-shot Kubernetes access for weftctl (explain/status/check against a live cluster).
// Takes a kubeconfig path (or the default: $KUBECONFIG, ~/.kube/config, in-cluster); gives a
// KubeClient (pkg/k8s) and listSnapshot(): every kind translate reads (pkg/k8s RESOURCE_KINDS), listed
// once at its preferred served version, as a ResourceSnapshot. An API server that cannot be reached
// (or refuses the credentials) is an error, thrown before anything is listed: an empty listing must
// never pass for an empty cluster. Kinds that are not served (CRDs missing) are left empty and noted;
// kinds that could not be listed (RBAC, errors) are left empty, noted and named in `unlisted`, so a
// caller that must not guess (status) can fail. Transient answers (429, 5xx, network) are retried a
// few times first.
// Must not: log credentials or Secret data (only TLS Secrets named by Gateway listeners are kept).
import type { ResourceSnapshot, SnapshotKind } from "../api/index.ts";
import { secretsReferencedByGateways, SnapshotBuilder } from "../api/index.ts";
import { apiPath, createBackoff, createKubeClient, discoverVersion, kubeStatusOf, loadKubeConfig, RESOURCE_KINDS } from "../k8s/index.ts";
import type { KubeClient } from "../k8s/index.ts";

export function kubeClientFor(path: string | undefined): KubeClient {
  return createKubeClient(loadKubeConfig(path));
}

/** What explain needs: everything translate reads (Pods tell which endpoints run a Weft sidecar: mTLS or plaintext). */
export const EXPLAIN_KINDS: readonly SnapshotKind[] = ["gatewayClasses", "gateways", "httpRoutes", "grpcRoutes", "referenceGrants", "services", "endpointSlices", "namespaces", "secrets", "pods"];
/** What status needs: the objects that carry Gateway API status. */
export const STATUS_KINDS: readonly SnapshotKind[] = ["gatewayClasses", "gateways", "httpRoutes", "grpcRoutes"];

export interface ListedSnapshot {
  readonly snapshot: ResourceSnapshot;
  /** Human notes about kinds that are not served or could not be listed. */
  readonly notes: readonly string[];
  /** Kinds that are served but could not be listed, with why ("HTTPRoute: cannot list (…)"). */
  readonly unlisted: readonly string[];
}

interface ListBody {
  readonly items?: readonly Record<string, unknown>[];
}

/** Transient API answers worth a retry: throttling, a CRD whose storage is still (re)initializing, gateways. */
const TRANSIENT = new Set([0, 429, 500, 502, 503, 504]);
const TRIES = 4;

/** Runs one request, retrying transient failures with jittered backoff (4 tries, about 2 s at most). */
export async function withTransientRetry<T>(call: () => Promise<T>, sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))): Promise<T> {
  const backoff = createBackoff({ baseMs: 200, maxMs: 1_000 });
  for (let attempt = 1;; attempt++) {
    try {
      return await call();
    } catch (e) {
      const status = kubeStatusOf(e);
      if (attempt >= TRIES || status === undefined || !TRANSIENT.has(status)) throw e;
      await sleep(backoff.next());
    }
  }
}

/**
 * Lists each kind once (optionally one namespace for namespaced kinds) into a snapshot; `kinds` limits
 * the listing (unlisted kinds stay empty: less load, fewer RBAC needs, no Secrets when not needed).
 */
export async function listSnapshot(client: KubeClient, namespace?: string, kinds?: readonly SnapshotKind[]): Promise<ListedSnapshot> {
  await requireReachable(client);
  const builder = new SnapshotBuilder();
  const notes: string[] = [];
  const unlisted: string[] = [];
  for (const r of RESOURCE_KINDS) {
    if (kinds !== undefined && !kinds.includes(r.field)) continue;
    try {
      const version = await withTransientRetry(() => discoverVersion(client, r));
      if (version === undefined) {
        notes.push(`${r.kind}: not served by the API server (CRD missing?)`);
        continue;
      }
      const ns = r.namespaced ? namespace : undefined;
      const query = r.fieldSelector === undefined ? {} : { fieldSelector: r.fieldSelector };
      const body = await withTransientRetry(() => client.request<ListBody>("GET", apiPath(r.group, version, r.plural, ns), { query }));
      const apiVersion = r.group === "" ? version : `${r.group}/${version}`;
      builder.addServed(r.kind, (body?.items ?? []).map((item) => ({ ...item, apiVersion })));
    } catch (e) {
      const note = `${r.kind}: cannot list (${e instanceof Error ? e.message : String(e)})`;
      notes.push(note);
      unlisted.push(note);
    }
  }
  const listed = builder.build();
  return { snapshot: { ...listed, secrets: secretsReferencedByGateways(listed.gateways, listed.secrets) }, notes, unlisted };
}

/** Throws a precise error when the API server does not answer `GET /version` (after transient retries) or refuses the credentials. */
export async function requireReachable(client: KubeClient): Promise<void> {
  try {
    await withTransientRetry(() => client.request("GET", "/version", { timeoutMs: 5_000 }));
  } catch (e) {
    const status = kubeStatusOf(e);
    const why = e instanceof Error ? e.message : String(e);
    if (status === 401 || status === 403) throw new Error(`the Kubernetes API server refused the credentials (${why}): check the kubeconfig user`, { cause: e });
    throw new Error(`cannot reach the Kubernetes API server (${why}): check --kubeconfig / the current context and that the cluster is up`, { cause: e });
  }
}
