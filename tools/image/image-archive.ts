// image-archive: layer tarballs and docker-archive image files (what `docker save` writes and
// `ctr images import` / `kind load image-archive` read), without a Docker engine.
// Takes directories to pack as layers and image specs (name, layers, config); gives layer tars
// (sorted, mtime 0, numeric owners: the same tree gives the same digest) and one archive with
// manifest.json, the image config (diff_ids = the layers' sha256) and each layer as <digest>/layer.tar.
// Must not: compress layers (the importer would have to unpack them again) or write outside `out`.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, createReadStream, linkSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface ImageConfig {
  readonly Entrypoint?: readonly string[];
  readonly Cmd?: readonly string[];
  readonly User?: string;
  readonly WorkingDir?: string;
  readonly Env?: readonly string[];
}

export interface ImageSpec {
  /** The image's real name, e.g. ghcr.io/weft-mesh/weft:0.1.0. */
  readonly ref: string;
  /** More names for the same image (RepoTags after `ref`), e.g. a manifest that names an older tag. */
  readonly alsoRefs?: readonly string[];
  /** Layer tar files, base first. */
  readonly layers: readonly string[];
  readonly config: ImageConfig;
}

export function run(cmd: string, args: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): void {
  const r = spawnSync(cmd, args, { stdio: ["ignore", "inherit", "inherit"], ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ").slice(0, 300)} failed (${r.status ?? r.signal ?? r.error?.message})`);
}

/** Packs `dir` as a layer. `rootOwned` stores every entry as 0:0 (Docker's COPY default). */
export function packLayer(dir: string, out: string, opts: { rootOwned?: boolean; exclude?: readonly string[] } = {}): void {
  mkdirSync(dirname(out), { recursive: true });
  // Overlay upper dirs carry trusted.overlay.* attributes: bookkeeping of the mount, not image content.
  const args = ["--create", "--file", out, "--format=gnu", "--sort=name", "--mtime=@0", "--numeric-owner", "--xattrs", "--xattrs-exclude=trusted.*"];
  if (opts.rootOwned === true) args.push("--owner=0", "--group=0");
  for (const e of opts.exclude ?? []) args.push(`--exclude=${e}`);
  run("tar", [...args, "-C", dir, "."]);
}

export function sha256File(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    createReadStream(path).on("data", (d) => h.update(d)).on("error", reject).on("end", () => resolve(h.digest("hex")));
  });
}

function place(src: string, dst: string): void {
  mkdirSync(dirname(dst), { recursive: true });
  try {
    linkSync(src, dst);
  } catch {
    copyFileSync(src, dst);
  }
}

/** Writes one docker-archive holding `images` (shared layers stored once). */
export async function writeDockerArchive(out: string, images: readonly ImageSpec[]): Promise<void> {
  const stage = mkdtempSync(join(dirname(out), ".archive-"));
  try {
    const digests = new Map<string, string>();
    const manifest: { Config: string; RepoTags: string[]; Layers: string[] }[] = [];
    for (const img of images) {
      const diffIds: string[] = [];
      const layers: string[] = [];
      for (const layer of img.layers) {
        let d = digests.get(layer);
        if (d === undefined) {
          d = await sha256File(layer);
          digests.set(layer, d);
          place(layer, join(stage, d, "layer.tar"));
        }
        diffIds.push(`sha256:${d}`);
        layers.push(`${d}/layer.tar`);
      }
      const config = JSON.stringify({
        architecture: "amd64",
        os: "linux",
        created: "1970-01-01T00:00:00Z",
        config: { Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], ...img.config },
        rootfs: { type: "layers", diff_ids: diffIds },
      });
      const configName = `${createHash("sha256").update(config).digest("hex")}.json`;
      writeFileSync(join(stage, configName), config);
      manifest.push({ Config: configName, RepoTags: [img.ref, ...(img.alsoRefs ?? [])], Layers: layers });
    }
    writeFileSync(join(stage, "manifest.json"), JSON.stringify(manifest));
    run("tar", ["--create", "--file", `${out}.tmp`, "--format=gnu", "--sort=name", "--mtime=@0", "--numeric-owner", "-C", stage, "."]);
    run("mv", [`${out}.tmp`, out]);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
