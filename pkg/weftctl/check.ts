// check: pre/post-install checks for `weftctl check`, each PASS / FAIL / WARN with a precise
// hint: API server reachable; Gateway API CRDs present with the served versions Weft needs
// (GatewayClass, Gateway, HTTPRoute, GRPCRoute v1; ReferenceGrant v1 or v1beta1) and one bundle
// version, no older than the documented minimum (WARN otherwise; the detail names the tested one); controller Deployment ready; injection webhook configured with a caBundle; controller
// admin /ready and /status (when its URL is given); proxies in sync (weft.dev/Programmed on routes).
// Takes a KubeClient (pkg/k8s; a fake in tests) and an optional controller admin URL; gives results.
// Must not: print, mutate the cluster (GET only), or show Secret data or tokens.
import type { KubeClient } from "../k8s/index.ts";
import { kubeStatusOf } from "../k8s/index.ts";

export type CheckStatus = "PASS" | "FAIL" | "WARN";

export interface CheckResult {
  readonly check: string;
  readonly status: CheckStatus;
  readonly detail: string;
  readonly hint?: string;
}

export interface CheckOptions {
  readonly namespace: string;
  /** Controller admin base URL (its --admin-port), e.g. http://127.0.0.1:15014. */
  readonly controllerAdmin?: string;
  readonly timeoutMs?: number;
}

const GROUP = "gateway.networking.k8s.io";
/** The oldest Gateway API release Weft supports (README prerequisites) and the one the tests run. */
export const MIN_BUNDLE = "v1.2.0";
export const TESTED_BUNDLE = "v1.6.3";

/** Orders "vMAJOR.MINOR.PATCH[-pre]" release names; undefined when either is not one. */
function compareRelease(a: string, b: string): number | undefined {
  const parse = (v: string): number[] | undefined => {
    const m = /^v(\d+)\.(\d+)\.(\d+)/.exec(v);
    return m === null ? undefined : [Number(m[1]), Number(m[2]), Number(m[3])];
  };
  const x = parse(a);
  const y = parse(b);
  if (x === undefined || y === undefined) return undefined;
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return 0;
}
const REQUIRED_CRDS: readonly { kind: string; plural: string; versions: readonly string[] }[] = [
  { kind: "GatewayClass", plural: "gatewayclasses", versions: ["v1"] },
  { kind: "Gateway", plural: "gateways", versions: ["v1"] },
  { kind: "HTTPRoute", plural: "httproutes", versions: ["v1"] },
  { kind: "GRPCRoute", plural: "grpcroutes", versions: ["v1"] },
  { kind: "ReferenceGrant", plural: "referencegrants", versions: ["v1", "v1beta1"] },
];
const INSTALL_HINT = "install Weft with its chart (it carries the Gateway API CRDs): helm install weft mesh-charts/weft -n weft-system --create-namespace";

function reason(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).slice(0, 300);
}

interface Crd {
  readonly metadata?: { readonly annotations?: Readonly<Record<string, string>> };
  readonly spec?: { readonly versions?: readonly { readonly name: string; readonly served?: boolean }[] };
}

async function checkCrds(client: KubeClient): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  const bundles = new Set<string>();
  for (const c of REQUIRED_CRDS) {
    const name = `${c.plural}.${GROUP}`;
    try {
      const crd = await client.request<Crd>("GET", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
      const served = (crd.spec?.versions ?? []).filter((v) => v.served === true).map((v) => v.name);
      const a = crd.metadata?.annotations ?? {};
      const bundle = a[`${GROUP}/bundle-version`];
      const channel = a[`${GROUP}/channel`];
      bundles.add(bundle ?? "(none)");
      const ok = c.versions.some((v) => served.includes(v));
      out.push({
        check: `CRD ${c.kind}`,
        status: ok ? "PASS" : "FAIL",
        detail: `served ${served.join(", ") || "nothing"}${bundle !== undefined ? `; bundle ${bundle}${channel !== undefined ? ` (${channel})` : ""}` : ""}`,
        ...(ok ? {} : { hint: `Weft needs ${c.kind} ${c.versions.join(" or ")} served: upgrade the Gateway API CRDs (${INSTALL_HINT})` }),
      });
    } catch (e) {
      const missing = kubeStatusOf(e) === 404;
      out.push({
        check: `CRD ${c.kind}`,
        status: "FAIL",
        detail: missing ? `${name} not installed` : `cannot read ${name}: ${reason(e)}`,
        hint: missing ? INSTALL_HINT : "check that your credentials may get customresourcedefinitions",
      });
    }
  }
  const found = [...bundles];
  if (found.length > 0) {
    const one = found.length === 1 && found[0] !== "(none)" ? found[0]! : undefined;
    const old = one !== undefined && (compareRelease(one, MIN_BUNDLE) ?? 0) < 0;
    const tested = one === undefined ? "" : compareRelease(one, TESTED_BUNDLE) === 0 ? " (the version Weft is tested with)" : ` (Weft is tested with ${TESTED_BUNDLE})`;
    out.push({
      check: "CRD bundle version",
      status: one !== undefined && !old ? "PASS" : "WARN",
      detail: one !== undefined ? `${GROUP}/bundle-version ${one}${tested}` : `mixed or missing bundle versions: ${found.sort().join(", ")}`,
      ...(one === undefined ? { hint: "install all Gateway API CRDs from one release bundle" } : {}),
      ...(old ? { hint: `Gateway API ${one} is older than ${MIN_BUNDLE}, the oldest Weft supports: upgrade the CRDs (standard channel ${TESTED_BUNDLE})` } : {}),
    });
  }
  return out;
}

interface DeploymentList {
  readonly items?: readonly { readonly metadata: { readonly name: string }; readonly spec?: { readonly replicas?: number };
    readonly status?: { readonly readyReplicas?: number; readonly updatedReplicas?: number } }[];
}

async function checkController(client: KubeClient, ns: string): Promise<CheckResult> {
  try {
    const list = await client.request<DeploymentList>("GET", `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/deployments`, {
      query: { labelSelector: "app.kubernetes.io/name=weft,app.kubernetes.io/component=controller" },
    });
    const d = list.items?.[0];
    if (d === undefined)
      return { check: "controller Deployment", status: "FAIL", detail: `no Weft controller Deployment in namespace ${ns}`, hint: `${INSTALL_HINT} (or pass --namespace where it is installed)` };
    const want = d.spec?.replicas ?? 1;
    const ready = d.status?.readyReplicas ?? 0;
    const ok = ready >= want && ready > 0;
    return {
      check: "controller Deployment",
      status: ok ? "PASS" : "FAIL",
      detail: `${ns}/${d.metadata.name}: ${ready}/${want} ready`,
      ...(ok ? {} : { hint: `kubectl -n ${ns} describe deployment ${d.metadata.name}; kubectl -n ${ns} logs deployment/${d.metadata.name}` }),
    };
  } catch (e) {
    return { check: "controller Deployment", status: "FAIL", detail: `cannot list deployments in ${ns}: ${reason(e)}`, hint: "check RBAC: get/list deployments" };
  }
}

interface WebhookList {
  readonly items?: readonly { readonly metadata: { readonly name: string }; readonly webhooks?: readonly { readonly name: string; readonly clientConfig?: { readonly caBundle?: string } }[] }[];
}

async function checkWebhook(client: KubeClient): Promise<CheckResult> {
  try {
    const list = await client.request<WebhookList>("GET", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", { query: { labelSelector: "app.kubernetes.io/name=weft" } });
    const cfg = list.items?.[0];
    if (cfg === undefined) return { check: "injection webhook", status: "FAIL", detail: "no Weft MutatingWebhookConfiguration", hint: INSTALL_HINT };
    const hooks = cfg.webhooks ?? [];
    const empty = hooks.filter((h) => (h.clientConfig?.caBundle ?? "") === "").map((h) => h.name);
    if (hooks.length === 0 || empty.length > 0) {
      return { check: "injection webhook", status: "FAIL", detail: `${cfg.metadata.name}: caBundle not set${empty.length > 0 ? ` for ${empty.join(", ")}` : ""}`,
        hint: "the controller writes caBundle when it starts: check that it runs and may patch mutatingwebhookconfigurations" };
    }
    return { check: "injection webhook", status: "PASS", detail: `${cfg.metadata.name}: ${hooks.length} webhook(s), caBundle set` };
  } catch (e) {
    return { check: "injection webhook", status: "FAIL", detail: `cannot list mutatingwebhookconfigurations: ${reason(e)}`, hint: "check RBAC: list mutatingwebhookconfigurations" };
  }
}

async function checkAdmin(base: string | undefined, timeoutMs: number): Promise<CheckResult[]> {
  if (base === undefined) {
    return [{ check: "controller admin", status: "WARN", detail: "not checked",
      hint: "kubectl -n weft-system port-forward deploy/weft-controller 15014, then pass --controller-admin http://127.0.0.1:15014" }];
  }
  const get = async (path: string): Promise<{ status: number; body: string }> => {
    const res = await fetch(new URL(path, base), { redirect: "error", signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.text()).slice(0, 4096);
    return { status: res.status, body };
  };
  try {
    const ready = await get("/ready");
    const out: CheckResult[] = [{
      check: "controller /ready",
      status: ready.status === 200 ? "PASS" : "FAIL",
      detail: `HTTP ${ready.status} ${ready.body.trim().slice(0, 100)}`,
      ...(ready.status === 200 ? {} : { hint: "the controller has not synced its caches or finished a first translate: check its logs" }),
    }];
    const status = await get("/status");
    if (status.status === 200) {
      let info: Record<string, unknown> = {};
      try {
        info = JSON.parse(status.body) as Record<string, unknown>;
      } catch {
        info = {};
      }
      const shown = ["ready", "leader", "passes", "writes", "proxies", "proxiesInSync"].filter((k) => k in info).map((k) => `${k}=${String(info[k])}`);
      out.push({ check: "controller /status", status: "PASS", detail: shown.join(", ") || "reported" });
      if (typeof info["proxies"] === "number" && typeof info["proxiesInSync"] === "number") {
        const ok = info["proxiesInSync"] === info["proxies"];
        out.push({ check: "proxies in sync (controller)", status: ok ? "PASS" : "WARN",
          detail: `${String(info["proxiesInSync"])}/${String(info["proxies"])} proxies acknowledged the current config` });
      }
    } else {
      out.push({ check: "controller /status", status: "WARN", detail: `HTTP ${status.status}` });
    }
    return out;
  } catch (e) {
    const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : reason(e);
    return [{ check: "controller /ready", status: "FAIL", detail: `cannot reach ${base}: ${cause}`, hint: "is the port-forward running and --controller-admin the controller's --admin-port?" }];
  }
}

interface RouteList {
  readonly items?: readonly {
    readonly status?: {
      readonly parents?: readonly { readonly controllerName?: string; readonly conditions?: readonly { readonly type: string; readonly status: string; readonly message?: string }[] }[];
    };
  }[];
}

/** Proxies in sync, as routes report it: weft.dev/Programmed ("applied by N/M proxies") on every Weft parent. */
async function checkProgrammed(client: KubeClient): Promise<CheckResult> {
  let total = 0;
  let programmed = 0;
  let reported = 0;
  const lagging: string[] = [];
  for (const plural of ["httproutes", "grpcroutes"]) {
    try {
      const list = await client.request<RouteList>("GET", `/apis/${GROUP}/v1/${plural}`);
      for (const r of list.items ?? []) {
        for (const p of r.status?.parents ?? []) {
          if (p.controllerName !== "weft.dev/gateway-controller") continue;
          total++;
          const c = p.conditions?.find((x) => x.type === "weft.dev/Programmed");
          if (c === undefined) continue;
          reported++;
          if (c.status === "True") programmed++;
          else if (lagging.length < 3) lagging.push(c.message ?? c.status);
        }
      }
    } catch {
      continue;
    }
  }
  if (total === 0) return { check: "proxies in sync (routes)", status: "PASS", detail: "no routes handled by Weft yet" };
  if (reported === 0)
    return { check: "proxies in sync (routes)", status: "WARN", detail: `${total} route parent(s), none reports weft.dev/Programmed`,
      hint: "this controller does not report proxy acknowledgements on routes; use weftctl proxy-config on a proxy" };
  const ok = programmed === reported;
  return {
    check: "proxies in sync (routes)",
    status: ok ? "PASS" : "WARN",
    detail: `${programmed}/${reported} route parents programmed on their proxies${lagging.length > 0 ? `: ${lagging.join("; ")}` : ""}`,
    ...(ok ? {} : { hint: "weftctl status shows which routes; weftctl proxy-config --admin <proxy> shows what a proxy has" }),
  };
}

/** Runs every check; kube checks stop after an unreachable API server. */
export async function runChecks(client: KubeClient, opts: CheckOptions): Promise<CheckResult[]> {
  const out: CheckResult[] = [];
  try {
    const v = await client.request<{ gitVersion?: string }>("GET", "/version", { timeoutMs: opts.timeoutMs ?? 5_000 });
    out.push({ check: "API server", status: "PASS", detail: `reachable, Kubernetes ${v?.gitVersion ?? "(version unknown)"}` });
  } catch (e) {
    const status = kubeStatusOf(e);
    out.push({
      check: "API server",
      status: "FAIL",
      detail: reason(e),
      hint: status === 401 || status === 403 ? "your credentials are refused: check the kubeconfig user" : "check --kubeconfig / the current context and that the cluster is up",
    });
    out.push(...(await checkAdmin(opts.controllerAdmin, opts.timeoutMs ?? 5_000)));
    return out;
  }
  out.push(...(await checkCrds(client)));
  out.push(await checkController(client, opts.namespace));
  out.push(await checkWebhook(client));
  out.push(...(await checkAdmin(opts.controllerAdmin, opts.timeoutMs ?? 5_000)));
  out.push(await checkProgrammed(client));
  return out;
}

export function checksExitCode(results: readonly CheckResult[]): number {
  return results.some((r) => r.status === "FAIL") ? 1 : 0;
}
