// serving-cert: a TLS serving certificate from the mesh CA for one of the controller's
// own endpoints (the injection webhook, the distribution gRPC port), re-issued at half of its
// remaining lifetime (at least a minute apart) with a fresh key each time.
// Takes the mesh CA, the SPIFFE id and DNS SANs to put in the certificate, and `onRenew` (called
// with each re-issued certificate; the caller swaps it into its server). Gives the current
// certificate and stop().
// Must not: log keys; keep the process alive (its timer is unref'd).
import type { MeshCa } from "../ca/index.ts";
import type { Log } from "../k8s/index.ts";

export interface ServingCert {
  readonly keyPem: string;
  readonly certChainPem: string;
  readonly notAfterMs: number;
}

export interface ServingCertOptions {
  readonly ca: MeshCa;
  readonly spiffeId: string;
  readonly dnsNames: readonly string[];
  /** What the certificate serves, for the log line ("webhook", "distribution"). */
  readonly what: string;
  readonly onRenew: (cert: ServingCert) => void;
  readonly log: Log;
  /** Shortest delay between two issues; default 60 s. */
  readonly minDelayMs?: number;
  /** Certificate lifetime; default the CA's leaf default (24 h). */
  readonly ttlMs?: number;
}

export interface ServingCertificate {
  current(): ServingCert;
  stop(): void;
}

export function startServingCertificate(o: ServingCertOptions): ServingCertificate {
  const issue = (): ServingCert => o.ca.issueServingCertificate(o.spiffeId, o.dnsNames, o.ttlMs);
  let cert = issue();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const schedule = (): void => {
    const delay = Math.max(o.minDelayMs ?? 60_000, Math.floor((cert.notAfterMs - Date.now()) / 2));
    timer = setTimeout(() => {
      if (stopped) return;
      try {
        cert = issue();
        o.onRenew(cert);
        o.log.info({ notAfter: new Date(cert.notAfterMs).toISOString() }, `${o.what} certificate re-issued`);
      } catch (err) {
        o.log.warn({ err: err instanceof Error ? err.message : String(err) }, `${o.what} certificate re-issue failed; keeping the current one`);
      }
      schedule();
    }, Math.min(delay, 2_147_000_000));
    timer.unref();
  };
  schedule();
  return {
    current: () => cert,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
