// identity-client: the proxy's workload identity. Makes a fresh key (EC P-256, workload-key.ts) and CSR for its SPIFFE id,
// asks the controller to sign it (injected `requestSign`: the distribution client's Sign RPC, so
// pkg/ca does not depend on pkg/distribution) with its projected ServiceAccount token, checks the
// answer (chain verifies to the returned bundle, SAN is our id, cert carries our key), emits
// MeshTlsMaterial, and rotates at about half of the certificate's life (jittered ±10%). Failures
// are retried with jittered exponential backoff; the previous material stays in use meanwhile.
// Must not: log keys, tokens or certificates; emit material that failed its checks.
import { X509Certificate, createPublicKey } from "node:crypto";
import { WeftError } from "../errors/weft-error.ts";
import { createCsr } from "./csr-build.ts";
import { generateWorkloadKey } from "./workload-key.ts";
import { splitPemCertificates, verifyPeerIdentity } from "./peer-verify.ts";
import type { MeshTlsMaterial } from "./tls-material.ts";
import { parseSpiffeId } from "../util/spiffe.ts";

export interface IdentityClientOptions {
  /** Our SPIFFE id, spiffe://<td>/ns/<ns>/sa/<sa>. */
  readonly identity: string;
  readonly requestSign: (csrPem: string, token: string) => Promise<{ certChainPem: string; trustBundlePem: string }>;
  /** Reads the projected token at each request (kubelet rotates the file). */
  readonly readToken: () => string | Promise<string>;
  readonly onMaterial: (material: MeshTlsMaterial) => void;
  /** Fraction of the lifetime after which to rotate. Default 0.5. */
  readonly rotateAt?: number;
  /** ± fraction of jitter on the rotation point. Default 0.1. */
  readonly jitter?: number;
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
  readonly now?: () => number;
  readonly random?: () => number;
  readonly log?: (level: "info" | "warn", msg: string, fields: Record<string, unknown>) => void;
}

export interface IdentityClient {
  /** Resolves with the first material (retrying until it succeeds or `stop` is called). */
  start(): Promise<MeshTlsMaterial>;
  current(): MeshTlsMaterial | undefined;
  /** Milliseconds from now to the next scheduled rotation (undefined when none). */
  nextRotationInMs(): number | undefined;
  /** Fetch a new certificate now (also used by the rotation timer). */
  rotate(): Promise<MeshTlsMaterial>;
  stop(): void;
}

export function createIdentityClient(opts: IdentityClientOptions): IdentityClient {
  if (parseSpiffeId(opts.identity) === undefined) throw new WeftError("WEFT_ERR_CONFIG", `identity ${JSON.stringify(opts.identity)} is not a workload SPIFFE id`);
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const retry = opts.retry ?? { initialMs: 500, maxMs: 60_000 };
  const log = opts.log ?? (() => {});
  let material: MeshTlsMaterial | undefined;
  let timer: NodeJS.Timeout | undefined;
  let rotationAt: number | undefined;
  let stopped = false;
  /** Pending retry sleep, ended early by stop(). */
  let retryTimer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;

  const fetchOnce = async (): Promise<{ material: MeshTlsMaterial; notAfter: number }> => {
    const keys = await generateWorkloadKey();
    const csr = createCsr(keys.privateKeyPem, keys.publicKeyPem, opts.identity);
    const token = await opts.readToken();
    const res = await opts.requestSign(csr, token);
    const check = verifyPeerIdentity(res.certChainPem, res.trustBundlePem, opts.identity, { now: now() });
    if (!check.ok) throw new WeftError("WEFT_ERR_VALIDATION", `signed certificate rejected: ${check.reason}`);
    const leaf = new X509Certificate(splitPemCertificates(res.certChainPem)[0]!);
    const ours = createPublicKey(keys.publicKeyPem).export({ type: "spki", format: "der" });
    if (!Buffer.from(leaf.publicKey.export({ type: "spki", format: "der" })).equals(Buffer.from(ours))) {
      throw new WeftError("WEFT_ERR_VALIDATION", "signed certificate does not carry our public key");
    }
    return {
      material: { keyPem: keys.privateKeyPem, certChainPem: res.certChainPem, trustBundlePem: res.trustBundlePem, identity: opts.identity },
      notAfter: Date.parse(leaf.validTo),
    };
  };

  const schedule = (delayMs: number): void => {
    if (stopped) return;
    if (timer !== undefined) clearTimeout(timer);
    rotationAt = now() + delayMs;
    timer = setTimeout(() => {
      timer = undefined;
      void rotateWithRetry(0);
    }, Math.max(0, Math.min(delayMs, 2 ** 31 - 1)));
  };

  const rotate = async (): Promise<MeshTlsMaterial> => {
    const got = await fetchOnce();
    if (stopped) return got.material;
    material = got.material;
    opts.onMaterial(got.material);
    // Life is counted from receipt, not notBefore (the CA backdates notBefore for clock skew).
    const fraction = (opts.rotateAt ?? 0.5) * (1 + (opts.jitter ?? 0.1) * (2 * random() - 1));
    schedule(Math.max(0, (got.notAfter - now()) * fraction));
    log("info", "workload certificate issued", { identity: opts.identity, notAfter: new Date(got.notAfter).toISOString() });
    return got.material;
  };

  const rotateWithRetry = async (attempt: number): Promise<MeshTlsMaterial> => {
    for (let a = attempt;; a++) {
      if (stopped) throw new WeftError("WEFT_ERR_UNAVAILABLE", "identity client stopped");
      try {
        return await rotate();
      } catch (e) {
        const d = Math.min(retry.maxMs, retry.initialMs * 2 ** Math.min(a, 30));
        const delay = Math.round(d / 2 + random() * (d / 2));
        log("warn", "workload certificate request failed", { identity: opts.identity, error: e instanceof Error ? e.message : "error", retryInMs: delay });
        await new Promise<void>((r) => {
          wake = r;
          retryTimer = setTimeout(r, delay);
        });
        retryTimer = undefined;
        wake = undefined;
      }
    }
  };

  return {
    start: () => rotateWithRetry(0),
    current: () => material,
    nextRotationInMs: () => (rotationAt === undefined || timer === undefined ? undefined : Math.max(0, rotationAt - now())),
    rotate,
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      if (retryTimer !== undefined) clearTimeout(retryTimer);
      wake?.();
    },
  };
}
