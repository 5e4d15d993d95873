// server-credentials: TLS credentials for the distribution server whose key and certificate can be
// swapped while it runs (new connections get the new certificate through grpc-js's secure-context
// watcher; open streams stay up). Takes a key and certificate chain in PEM; gives the credentials to
// pass to DistributionServer.listen and replace(). TLS 1.2 at least; no client certificates (proxies
// authenticate with their token).
// Must not: log or keep key material beyond the secure context.
import * as grpc from "@grpc/grpc-js";
import type { SecureContextOptions } from "node:tls";

export type ServerCredentials = grpc.ServerCredentials;

export interface RotatingServerCredentials {
  readonly credentials: ServerCredentials;
  replace(keyPem: string, certChainPem: string): void;
}

class Rotating extends grpc.ServerCredentials {
  constructor(context: SecureContextOptions) {
    super({ minVersion: "TLSv1.2" }, context);
  }
  replace(context: SecureContextOptions): void {
    this.updateSecureContextOptions(context);
  }
  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

const contextOf = (keyPem: string, certChainPem: string): SecureContextOptions => ({ key: Buffer.from(keyPem), cert: Buffer.from(certChainPem) });

export function rotatingServerCredentials(keyPem: string, certChainPem: string): RotatingServerCredentials {
  const creds = new Rotating(contextOf(keyPem, certChainPem));
  return { credentials: creds, replace: (key, chain) => creds.replace(contextOf(key, chain)) };
}
