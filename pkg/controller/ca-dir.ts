// ca-dir: the mesh CA kept in a directory, for controllers without a Kubernetes Secret (file
// provider: local mode and file-based setups), so a restarted controller signs with the same CA and the
// proxies it already certified keep trusting the ones it certifies next.
// Layout: the CA Secret's keys as files (mesh-identity.ts caToSecretData: root.crt, root.key, ca.crt,
// ca.key, previous-roots.pem), each mode 0600 in a 0700 directory. A new CA is written into a private
// temporary directory beside the target and renamed into place, so two controllers starting at once
// end up sharing one CA and nobody reads a half-written one. Key files readable by group or others are
// refused (like ssh), with the chmod to run.
// Takes the directory, trust domain and log; gives the MeshCa. Must not: log or print keys; write key
// material with a wider mode; accept a directory holding a broken CA (it throws naming the file).
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { createMeshCa, type MeshCa } from "../ca/index.ts";
import type { Log } from "../k8s/index.ts";
import { caFromSecretData, caToSecretData } from "./mesh-identity.ts";

const FILES = ["root.crt", "root.key", "ca.crt", "ca.key", "previous-roots.pem"] as const;
const KEYS = new Set(["root.key", "ca.key"]);

function readCaDir(dir: string): Record<string, string> | undefined {
  if (!existsSync(dir)) return undefined;
  const present = FILES.filter((f) => existsSync(join(dir, f)));
  if (present.length === 0) return undefined;
  const data: Record<string, string> = {};
  for (const f of present) {
    const path = join(dir, f);
    if (KEYS.has(f) && (statSync(path).mode & 0o077) !== 0) {
      throw new Error(`--ca-dir: ${path} is readable by other users; run: chmod 600 ${path}`);
    }
    data[f] = readFileSync(path, "utf8");
  }
  return data;
}

function writeCaDir(dir: string, data: Readonly<Record<string, string>>): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  const tmp = mkdtempSync(join(parent, `.${basename(dir)}-`));
  try {
    for (const [f, text] of Object.entries(data)) writeFileSync(join(tmp, f), text, { mode: 0o600 });
    chmodSync(tmp, 0o700);
    // rename(2) replaces an empty directory and fails on a non-empty one: the first writer wins.
    if (existsSync(dir) && readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (readCaDir(dir) === undefined) throw e;
  }
}

/** The CA stored in `dir`, or a new one created and stored there. */
export function loadOrCreateCaDir(dir: string, trustDomain: string, log: Log): MeshCa {
  let data = readCaDir(dir);
  let created = false;
  if (data === undefined) {
    writeCaDir(dir, caToSecretData(createMeshCa({ trustDomain }).exportCa()));
    data = readCaDir(dir);
    created = true;
  }
  if (data === undefined) throw new Error(`--ca-dir: could not store a CA in ${dir}`);
  let ca: MeshCa;
  try {
    ca = caFromSecretData(data, trustDomain);
  } catch (e) {
    throw new Error(`--ca-dir ${dir}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  log.info({ caDir: dir, created, trustDomain }, created ? "mesh CA created and stored" : "mesh CA loaded");
  return ca;
}
