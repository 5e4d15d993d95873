// toolset: where scripts/build-test-cluster.sh put each piece of the test cluster for this checkout's pins.
// Takes tools/kube/go.mod (the Kubernetes version), tools/promlint/go.mod (client_golang's, the metrics
// linter's) and tools/test-cluster.env (the other versions), and
// ${WEFT_CACHE_DIR:-~/.cache/weft}. Gives the directory of each built piece (undefined when its stamp is
// missing) and `toolsetMissing(pieces)`: a reason naming the first missing piece, or undefined.
// Must not: build anything or read a piece that has no stamp (a build in progress has none yet).
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";

export const repoRoot = resolve(import.meta.dirname, "..");

export type Piece = "k8s" | "helm" | "gateway-api" | "coredns" | "jaeger" | "promlint" | "h2spec" | "pause" | "conformance" | "istio-echo";

function readPins(): Record<string, string> {
  const pins: Record<string, string> = {};
  const gomod = join(repoRoot, "tools/kube/go.mod");
  const kube = existsSync(gomod) ? /k8s\.io\/kubernetes (v1\.\d+\.\d+)/.exec(readFileSync(gomod, "utf8"))?.[1] : undefined;
  if (kube !== undefined) pins["KUBE_VERSION"] = kube;
  const lintmod = join(repoRoot, "tools/promlint/go.mod");
  const clientGolang = existsSync(lintmod) ? /^\s*github\.com\/prometheus\/client_golang (v\S+)/m.exec(readFileSync(lintmod, "utf8"))?.[1] : undefined;
  if (clientGolang !== undefined) pins["CLIENT_GOLANG_VERSION"] = clientGolang;
  const env = join(repoRoot, "tools/test-cluster.env");
  if (existsSync(env)) {
    for (const line of readFileSync(env, "utf8").split("\n")) {
      const m = /^([A-Z][A-Z0-9_]*)=(\S+)$/.exec(line.trim());
      if (m !== null) pins[m[1]!] = m[2]!;
    }
  }
  return pins;
}

export const pins: Readonly<Record<string, string>> = readPins();

const VERSION_KEY: Record<Piece, string> = {
  k8s: "KUBE_VERSION",
  helm: "HELM_VERSION",
  "gateway-api": "GATEWAY_API_VERSION",
  coredns: "COREDNS_VERSION",
  jaeger: "JAEGER_VERSION",
  promlint: "CLIENT_GOLANG_VERSION",
  h2spec: "H2SPEC_VERSION",
  pause: "KUBE_VERSION",
  conformance: "GATEWAY_API_VERSION",
  "istio-echo": "ISTIO_ECHO_VERSION",
};

export const cacheRoot: string = process.env["WEFT_CACHE_DIR"] ?? join(homedir(), ".cache/weft");

/** The built directory of a piece, or undefined when it has not been built (no stamp). */
export function pieceDir(piece: Piece): string | undefined {
  const version = pins[VERSION_KEY[piece]];
  if (version === undefined) return undefined;
  const dir = join(cacheRoot, `${piece}-${version}`);
  return existsSync(join(dir, "stamp")) ? dir : undefined;
}

/** Path of a program a piece built (bin/<name>), or undefined. */
export function pieceBin(piece: Piece, name: string): string | undefined {
  const dir = pieceDir(piece);
  const bin = dir === undefined ? undefined : join(dir, "bin", name);
  return bin !== undefined && existsSync(bin) ? bin : undefined;
}

/** Why the given pieces cannot be used, or undefined when all are built. */
export function toolsetMissing(pieces: readonly Piece[]): string | undefined {
  for (const p of pieces) {
    if (pieceDir(p) === undefined) {
      const v = pins[VERSION_KEY[p]] ?? "?";
      return `test-cluster piece ${p} ${v} not built: run scripts/setup-test-deps.sh (scripts/build-test-cluster.sh ${p})`;
    }
  }
  return undefined;
}
