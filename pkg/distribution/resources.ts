// resources: the wire unit of distribution. Takes a ProxySlice, gives named, content-hashed
// resources (type, name, hash, canonical JSON bytes) and the slice version; and back.
// A resource's hash is contentHash(value) (pkg/util/canonical-json.ts), so every controller replica
// computes the same hashes and versions for the same IR (no leader needed to serve).
// Must not: do I/O; trust a payload whose bytes do not hash to the announced hash.
import { createHash } from "node:crypto";
import type { ClusterIR, GatewayIR, MeshServiceIR, TlsSecretIR } from "../ir/types.ts";
import { canonicalJson } from "../util/canonical-json.ts";
import { WeftError } from "../errors/weft-error.ts";
import type { ProxySlice, TrustBundle } from "./slice.ts";

export type ResourceType = "gateway" | "service" | "cluster" | "secret" | "trust";
export const RESOURCE_TYPES: readonly ResourceType[] = ["gateway", "service", "cluster", "secret", "trust"];
/** The name of the one `trust` resource. */
export const TRUST_RESOURCE_NAME = "roots";

/** One encoded resource. `key` is "<type>/<name>". */
export interface EncodedResource {
  readonly type: ResourceType;
  readonly name: string;
  readonly hash: string;
  readonly payload: Buffer;
}

/** All resources of one slice, keyed by "<type>/<name>", with the slice version. */
export interface EncodedSlice {
  readonly version: string;
  readonly resources: ReadonlyMap<string, EncodedResource>;
}

export function resourceKey(type: string, name: string): string {
  return `${type}/${name}`;
}

/** Split a resource key back into type and name (the name may itself contain "/"). */
export function splitResourceKey(key: string): { type: string; name: string } {
  const i = key.indexOf("/");
  return i < 0 ? { type: key, name: "" } : { type: key.slice(0, i), name: key.slice(i + 1) };
}

/**
 * IR values are immutable, so an object's encoding never changes: remember it by identity. Slices
 * of many proxies share most objects (clusters, untouched services), so each is encoded once.
 */
const encodedByObject = new WeakMap<object, EncodedResource>();

export function encodeResource(type: ResourceType, name: string, value: unknown): EncodedResource {
  const cacheable = typeof value === "object" && value !== null;
  const hit = cacheable ? encodedByObject.get(value) : undefined;
  if (hit !== undefined && hit.type === type && hit.name === name) return hit;
  const text = canonicalJson(value);
  const r: EncodedResource = { type, name, hash: hashText(text), payload: Buffer.from(text, "utf8") };
  if (cacheable) encodedByObject.set(value, r);
  return r;
}

export function encodeSlice(slice: ProxySlice): EncodedSlice {
  const resources = new Map<string, EncodedResource>();
  const put = (r: EncodedResource): void => {
    resources.set(resourceKey(r.type, r.name), r);
  };
  for (const g of slice.gateways) put(encodeResource("gateway", `${g.namespace}/${g.name}`, g));
  for (const s of slice.services) put(encodeResource("service", `${s.namespace}/${s.name}`, s));
  for (const c of slice.clusters) put(encodeResource("cluster", c.id, c));
  for (const s of slice.secrets) put(encodeResource("secret", s.id, s));
  if (slice.trust !== undefined) put(encodeResource("trust", TRUST_RESOURCE_NAME, slice.trust));
  return { version: versionOf(resources), resources };
}

/** Version of a set of resources: hash over the sorted (key, hash) pairs. Empty set ⇒ "empty". */
export function versionOf(resources: ReadonlyMap<string, { readonly hash: string }>): string {
  if (resources.size === 0) return "empty";
  const lines: string[] = [];
  for (const key of [...resources.keys()].sort()) lines.push(`${key}=${resources.get(key)!.hash}\n`);
  return createHash("sha256").update(lines.join("")).digest("hex").slice(0, 32);
}

/**
 * Decode one resource; throws WEFT_ERR_VALIDATION when the bytes do not hash to the announced hash
 * or are not JSON. The hash is over the bytes as sent (the server's canonical JSON), so checking the
 * bytes is as strong as re-canonicalising the value, and much cheaper.
 */
export function decodeResource(r: { type: string; name: string; hash: string; payload: Uint8Array }): unknown {
  const bytes = Buffer.from(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength);
  const actual = createHash("sha256").update(bytes).digest("hex").slice(0, 32);
  if (actual !== r.hash) {
    throw new WeftError("WEFT_ERR_VALIDATION", `resource ${r.type}/${r.name}: hash mismatch (announced ${r.hash}, got ${actual})`);
  }
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new WeftError("WEFT_ERR_VALIDATION", `resource ${r.type}/${r.name}: payload is not JSON`);
  }
}

/** Assemble decoded resources (key → value) into a sorted ProxySlice; values are not validated here. */
export function assembleSlice(values: ReadonlyMap<string, unknown>): ProxySlice {
  const gateways: GatewayIR[] = [];
  const services: MeshServiceIR[] = [];
  const clusters: ClusterIR[] = [];
  const secrets: TlsSecretIR[] = [];
  let trust: TrustBundle | undefined;
  for (const key of [...values.keys()].sort()) {
    const { type } = splitResourceKey(key);
    const v = values.get(key);
    if (type === "gateway") gateways.push(v as GatewayIR);
    else if (type === "service") services.push(v as MeshServiceIR);
    else if (type === "cluster") clusters.push(v as ClusterIR);
    else if (type === "secret") secrets.push(v as TlsSecretIR);
    else if (type === "trust") trust = v as TrustBundle;
  }
  return trust === undefined ? { gateways, services, clusters, secrets } : { gateways, services, clusters, secrets, trust };
}

function hashText(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}
