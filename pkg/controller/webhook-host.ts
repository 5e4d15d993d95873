// webhook-host: hosts the injector's mutating webhook in the controller (design §1).
// Takes the mesh identity (its CA signs the webhook's serving certificate for
// <service>.<namespace>.svc plus --webhook-dns-names), the injector config (WEFT_INJECTION_CONFIG,
// validated; a bad config leaves the webhook off and says why), a namespace lookup (snapshot first,
// then the API), and the MutatingWebhookConfiguration name whose caBundle it keeps equal to the mesh
// trust bundle (checked at start and every `resyncMs`; read-modify-write with resourceVersion).
// Gives { port, stop }. Re-issues the certificate at half its lifetime (serving-cert.ts,
// setSecureContext). Injected proxies get the CA's current trust bundle (WEFT_TRUST_BUNDLE).
// Must not: log pod specs or keys; touch webhook configurations other than the one named.
import type { Server } from "node:https";
import type { Namespace, ResourceSnapshot } from "../api/index.ts";
import { kubeStatusOf, type KubeClient, type Log } from "../k8s/index.ts";
import type { ControllerMetrics } from "../telemetry/index.ts";
import { createWebhookServer, DEFAULT_INJECTOR_CONFIG, parseInjectorConfig, type InjectorConfig, type ProxyTracing } from "../../injector/index.ts";
import type { MeshIdentity } from "./mesh-identity.ts";
import { withTrustBundle } from "./distribution-trust.ts";
import { startServingCertificate } from "./serving-cert.ts";

export interface WebhookOptions {
  readonly client: KubeClient;
  readonly identity: MeshIdentity;
  readonly namespace: string;
  readonly service: string;
  readonly extraDnsNames: readonly string[];
  readonly configName?: string;
  readonly address: string;
  readonly port: number;
  readonly injectionConfigJson?: string;
  readonly snapshot: () => ResourceSnapshot | undefined;
  readonly log: Log;
  /** Counts decisions (weft_injections_total). */
  readonly metrics?: ControllerMetrics;
  readonly resyncMs?: number;
  /** The distribution port is plaintext (--grpc-insecure): injected proxies get WEFT_CONTROLLER_INSECURE, no bundle. */
  readonly controllerInsecure?: boolean;
  /** Tracing for injected proxies when WEFT_INJECTION_CONFIG names none (the controller's own WEFT_TRACING_*). */
  readonly proxyTracing?: ProxyTracing;
}

export interface InjectionWebhook {
  readonly port: number;
  stop(): Promise<void>;
}

export function loadInjectorConfig(json: string | undefined): { config?: InjectorConfig; problems: string[] } {
  if (json === undefined || json.trim() === "") return { config: DEFAULT_INJECTOR_CONFIG, problems: [] };
  const out = parseInjectorConfig(json);
  return out.problems.length > 0 || out.config === undefined ? { problems: out.problems } : { config: out.config, problems: [] };
}

interface WebhookConfiguration {
  metadata: { resourceVersion?: string };
  webhooks?: { name: string; clientConfig?: { caBundle?: string } }[];
}

/** Sets every webhook's clientConfig.caBundle; true when a write was needed. */
export async function syncCaBundle(client: KubeClient, name: string, bundlePem: string): Promise<boolean> {
  const path = `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${encodeURIComponent(name)}`;
  const want = Buffer.from(bundlePem).toString("base64");
  for (let attempt = 0; attempt < 5; attempt++) {
    const cfg = await client.request<WebhookConfiguration>("GET", path);
    const hooks = cfg.webhooks ?? [];
    if (hooks.every((h) => h.clientConfig?.caBundle === want)) return false;
    const next = { ...cfg, webhooks: hooks.map((h) => ({ ...h, clientConfig: { ...h.clientConfig, caBundle: want } })) };
    try {
      await client.request("PUT", path, { body: next });
      return true;
    } catch (err) {
      if (kubeStatusOf(err) !== 409) throw err;
    }
  }
  throw new Error(`caBundle of ${name}: too many conflicts`);
}

/** The injector config with the controller's tracing for injected proxies, unless it names its own. */
export function withProxyTracing(config: InjectorConfig, tracing: ProxyTracing | undefined): InjectorConfig {
  return config.tracing === undefined && tracing !== undefined ? { ...config, tracing } : config;
}

export async function startInjectionWebhook(o: WebhookOptions): Promise<InjectionWebhook | undefined> {
  const read = loadInjectorConfig(o.injectionConfigJson);
  if (read.config === undefined) {
    o.log.error({ problems: read.problems }, "WEFT_INJECTION_CONFIG is invalid; the injection webhook is not served");
    return undefined;
  }
  const loaded = { config: withProxyTracing(read.config, o.proxyTracing) };
  const dnsNames = [`${o.service}.${o.namespace}.svc`, `${o.service}.${o.namespace}.svc.cluster.local`, ...o.extraDnsNames];
  const spiffe = `spiffe://${o.identity.ca.trustDomain}/ns/${o.namespace}/sa/${o.service}`;
  const serving = startServingCertificate({
    ca: o.identity.ca,
    spiffeId: spiffe,
    dnsNames,
    what: "webhook",
    log: o.log,
    onRenew: (c) => server.setSecureContext({ key: c.keyPem, cert: c.certChainPem }),
  });
  const cert = serving.current();
  const nsLookup = async (name: string): Promise<Namespace | undefined> => {
    const cached = o.snapshot()?.namespaces.find((n) => n.metadata.name === name);
    if (cached !== undefined) return cached;
    try {
      return await o.client.request<Namespace>("GET", `/api/v1/namespaces/${encodeURIComponent(name)}`);
    } catch (err) {
      if (kubeStatusOf(err) === 404) return undefined;
      throw err;
    }
  };
  const server: Server = createWebhookServer({ keyPem: cert.keyPem, certPem: cert.certChainPem, config: o.controllerInsecure === true
    ? { ...loaded.config, controllerInsecure: true }
    : withTrustBundle(loaded.config, o.identity.ca), nsLookup, logger: o.log, ...(o.metrics !== undefined ? { metrics: o.metrics } : {}) });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.address, () => resolve());
  });
  const addr = server.address();
  const port = addr !== null && typeof addr === "object" ? addr.port : o.port;
  const timers: NodeJS.Timeout[] = [];
  const configName = o.configName;
  if (configName !== undefined) {
    const sync = (): void => {
      void syncCaBundle(o.client, configName, o.identity.ca.trustBundle()).then(
        (wrote) => {
          if (wrote) o.log.info({ webhook: configName }, "webhook caBundle updated");
        },
        (err: unknown) => o.log.warn({ webhook: configName, err: err instanceof Error ? err.message : String(err) }, "cannot update webhook caBundle"),
      );
    };
    sync();
    timers[1] = setInterval(sync, o.resyncMs ?? 600_000);
    timers[1].unref();
  }
  o.log.info({ port, dnsNames }, "injection webhook serving");
  return {
    port,
    async stop(): Promise<void> {
      serving.stop();
      clearInterval(timers[1]);
      const closed = new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      await closed;
    },
  };
}
