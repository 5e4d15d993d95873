// distribution-tls: TLS for the distribution gRPC port with a serving certificate from
// the mesh CA (SPIFFE id spiffe://<td>/ns/<ns>/sa/<service> plus DNS SANs <service>.<ns>.svc,
// <service>.<ns>.svc.cluster.local, the host of --controller-address when it is a DNS name, and
// --grpc-dns-names). Re-issued at half-life by the same mechanism as the webhook
// (serving-cert.ts); the running gRPC server takes the new certificate for new connections
// (pkg/distribution rotatingServerCredentials).
// Takes the mesh CA and names; gives ServerCredentials for DistributionServer.listen and stop().
// Must not: log keys; ask clients for certificates (proxies authenticate with their token).
import { isIP } from "node:net";
import type { MeshCa } from "../ca/index.ts";
import { rotatingServerCredentials, type RotatingServerCredentials, type ServerCredentials } from "../distribution/index.ts";
import type { Log } from "../k8s/index.ts";
import { startServingCertificate, type ServingCert } from "./serving-cert.ts";

const DNS_NAME = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;

export interface DistributionTlsOptions {
  readonly ca: MeshCa;
  readonly namespace: string;
  /** The controller's Service name (its SPIFFE ServiceAccount name too). */
  readonly service: string;
  /** host:port proxies dial; its host joins the SANs when it is a DNS name. */
  readonly controllerAddress?: string;
  readonly extraDnsNames: readonly string[];
  readonly log: Log;
  /** Certificate lifetime and shortest re-issue delay (tests); defaults 24 h and 60 s. */
  readonly certTtlMs?: number;
  readonly minRenewMs?: number;
}

export interface DistributionTls {
  readonly credentials: ServerCredentials;
  readonly dnsNames: readonly string[];
  current(): ServingCert;
  stop(): void;
}

/** The SANs of the distribution certificate, deduplicated, lower-case, DNS names only. */
export function distributionDnsNames(o: Pick<DistributionTlsOptions, "namespace" | "service" | "controllerAddress" | "extraDnsNames">): string[] {
  const host = o.controllerAddress === undefined ? "" : o.controllerAddress.replace(/:\d+$/, "").replace(/^\[|\]$/g, "").toLowerCase();
  const names = [`${o.service}.${o.namespace}.svc`, `${o.service}.${o.namespace}.svc.cluster.local`, ...o.extraDnsNames.map((n) => n.toLowerCase())];
  if (host !== "" && isIP(host) === 0 && DNS_NAME.test(host)) names.push(host);
  return [...new Set(names)];
}

export function startDistributionTls(o: DistributionTlsOptions): DistributionTls {
  const dnsNames = distributionDnsNames(o);
  let creds: RotatingServerCredentials | undefined;
  const serving = startServingCertificate({
    ca: o.ca,
    spiffeId: `spiffe://${o.ca.trustDomain}/ns/${o.namespace}/sa/${o.service}`,
    dnsNames,
    what: "distribution",
    log: o.log,
    ...(o.certTtlMs !== undefined ? { ttlMs: o.certTtlMs } : {}),
    ...(o.minRenewMs !== undefined ? { minDelayMs: o.minRenewMs } : {}),
    onRenew: (c) => creds?.replace(c.keyPem, c.certChainPem),
  });
  const first = serving.current();
  creds = rotatingServerCredentials(first.keyPem, first.certChainPem);
  return { credentials: creds.credentials, dnsNames, current: () => serving.current(), stop: () => serving.stop() };
}
