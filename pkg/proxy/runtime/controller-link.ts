// controller-link: the `--controller` door. Opens the distribution client (pkg/distribution: validated
// slices, last-known-good, reconnect; TLS verified against the trust bundle, or plaintext for a
// development controller) and, when the proxy has a ServiceAccount token, its mesh identity (pkg/ca's
// identity client: key and CSR here, signed by the controller, rotated) with the merged mesh roots
// (mesh-trust.ts). The runtime loads this file only with --controller, so a --config proxy never loads
// gRPC, protobufjs or pkg/ca. It hands its gRPC to tracing (useGrpcJs) for the OTLP/gRPC export.
// Takes the address, trust, our identity and callbacks; gives the current material and stop().
// Must not: log tokens, keys or certificates.
import { useGrpcJs, type Logger } from "../../telemetry/index.ts";
import { createIdentityClient, type IdentityClient } from "../../ca/workload.ts";
import { createDistributionClient, distributionGrpc, tlsCredentials, type DistributionClient, type ProxyIdentity, type ProxySlice } from "../../distribution/index.ts";
import type { MeshIR } from "../../ir/types.ts";
import type { MeshTlsMaterial } from "../engine-types.ts";
import { createProxyMeshTrust, type ProxyMeshTrust } from "./mesh-trust.ts";

export interface ControllerLinkOptions {
  readonly address: string;
  /** PEM roots for the controller's TLS certificate; undefined = plaintext. */
  readonly trustPem: string | undefined;
  readonly identity: ProxyIdentity;
  /** Reads the projected ServiceAccount token (controller auth, and the mesh identity's Sign calls). */
  readonly readToken?: () => string;
  /** Our SPIFFE id, when the proxy has a token, a ServiceAccount and a namespace: then it gets mesh certificates. */
  readonly meshIdentity?: string;
  /** A validated config from the controller: put it in force. */
  readonly onConfig: (ir: MeshIR, version: string) => void;
  /** Mesh material (with the merged roots) to put in force for peers. */
  readonly applyMeshTls: (material: MeshTlsMaterial) => void;
  readonly log: Logger;
}

export interface ControllerLink {
  /** Our mesh material with the merged roots, once signed. */
  material(): MeshTlsMaterial | undefined;
  stop(): void;
}

export async function connectController(o: ControllerLinkOptions): Promise<ControllerLink> {
  const log = o.log;
  // Tracing's OTLP/gRPC export runs on this process's gRPC, not on a second copy loaded beside it.
  useGrpcJs(distributionGrpc);
  let meshTrust: ProxyMeshTrust | undefined;
  let identity: IdentityClient | undefined;
  const distribution: DistributionClient = createDistributionClient({
    address: o.address,
    identity: o.identity,
    ...(o.readToken !== undefined ? { token: o.readToken } : {}),
    ...(o.trustPem !== undefined ? { credentials: tlsCredentials(o.trustPem) } : {}),
    onConfig: ({ version, slice }: { version: string; slice: ProxySlice }) => {
      if (slice.trust !== undefined) meshTrust?.onBundle(slice.trust.rootsPem);
      o.onConfig(slice, version);
    },
    log: (level, msg, fields) => log[level](fields, msg),
  });
  const stop = (): void => {
    identity?.stop();
    meshTrust?.stop();
    distribution.close();
  };
  try {
    await distribution.start();
  } catch (e) {
    stop();
    throw e;
  }
  if (o.meshIdentity !== undefined && o.readToken !== undefined) {
    const trustPem = o.trustPem;
    const mt = createProxyMeshTrust({
      apply: o.applyMeshTls,
      ...(trustPem !== undefined ?
        {
          initialControllerRoots: trustPem,
          controllerRoots: (pem: string) => {
            distribution.setCredentials(tlsCredentials(pem));
            log.info({}, "controller trust bundle replaced by the one from the CA");
          },
        } :
        {}),
      renew: () => identity!.rotate(),
      log: (level, msg, fields) => log[level](fields, msg),
    });
    meshTrust = mt;
    const held = distribution.current()?.slice.trust;
    if (held !== undefined) mt.onBundle(held.rootsPem);
    identity = createIdentityClient({
      identity: o.meshIdentity,
      requestSign: (csr, token) => distribution.sign(csr, token),
      readToken: o.readToken,
      onMaterial: (m) => mt.onMaterial(m),
      log: (level, msg, fields) => log[level](fields, msg),
    });
    void identity.start().catch((e: unknown) => log.error({ error: String(e) }, "mesh identity unavailable"));
  }
  return {
    material: () => {
      const m = identity?.current();
      return m === undefined || meshTrust === undefined ? undefined : { ...m, trustBundlePem: meshTrust.rootsPem() };
    },
    stop,
  };
}
