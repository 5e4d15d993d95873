// lkg-cache: the proxy's on-disk last-known-good config, so a restarted proxy serves its last
// validated slice while the controller is unreachable. Takes/gives the encoded resources of a
// slice that already passed validation. Written atomically (temp file + rename), mode 0600
// because gateway slices carry TLS keys. Reading re-checks every hash; a damaged file is ignored.
// Must not: throw on a missing or corrupt file (that is just "no cache"); log its contents.
import { readFile, rename, writeFile } from "node:fs/promises";
import type { ResourceMsg } from "./proto.ts";

interface CacheFile {
  readonly format: "weft-lkg/v1";
  readonly version: string;
  readonly resources: readonly { type: string; name: string; hash: string; json: string }[];
}

export async function writeLkgCache(path: string, version: string, resources: Iterable<ResourceMsg>): Promise<void> {
  const file: CacheFile = {
    format: "weft-lkg/v1",
    version,
    resources: [...resources].map((r) => ({
      type: r.type,
      name: r.name,
      hash: r.hash,
      json: Buffer.from(r.payload.buffer, r.payload.byteOffset, r.payload.byteLength).toString("utf8"),
    })),
  };
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(file), { mode: 0o600 });
  await rename(tmp, path);
}

/** The cached resources (hashes unchecked here: the client decodes and validates them), or undefined. */
export async function readLkgCache(path: string): Promise<{ version: string; resources: ResourceMsg[] } | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    return undefined;
  }
  try {
    const f = JSON.parse(text) as { readonly format?: unknown; readonly version?: unknown; readonly resources?: unknown };
    if (f.format !== "weft-lkg/v1" || typeof f.version !== "string" || !Array.isArray(f.resources)) return undefined;
    const listed: readonly (Partial<Record<"type" | "name" | "hash" | "json", unknown>> | null)[] = f.resources;
    const resources: ResourceMsg[] = [];
    for (const r of listed) {
      if (r === null || typeof r !== "object") return undefined;
      if (typeof r.type !== "string" || typeof r.name !== "string" || typeof r.hash !== "string" || typeof r.json !== "string") {
        return undefined;
      }
      resources.push({ type: r.type, name: r.name, hash: r.hash, payload: Buffer.from(r.json, "utf8") });
    }
    return { version: f.version, resources };
  } catch {
    return undefined;
  }
}
