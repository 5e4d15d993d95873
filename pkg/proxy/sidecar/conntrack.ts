// conntrack: the pure fallback for original-destination recovery: finds the conntrack entry of a
// REDIRECTed connection in the text of /proc/net/nf_conntrack (its reply tuple is the accepted
// socket's local/remote pair; its original tuple holds the address the app dialled).
// Takes: the file text and the accepted socket's addresses. Gives: the original destination or undefined.
// Must not: read files itself (original-dst.ts does), or match on anything but all four reply fields.
import { normalizeIp } from "../../util/ip-address.ts";

export interface SocketPair {
  readonly localAddress: string;
  readonly localPort: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

export function findOriginalDstInConntrack(text: string, pair: SocketPair): { address: string; port: number } | undefined {
  const local = normalizeIp(pair.localAddress);
  const remote = normalizeIp(pair.remoteAddress);
  for (const line of text.split("\n")) {
    if (!line.includes(" tcp ")) continue;
    const src: string[] = [];
    const dst: string[] = [];
    const sport: string[] = [];
    const dport: string[] = [];
    for (const field of line.split(/\s+/)) {
      const eq = field.indexOf("=");
      if (eq < 0) continue;
      const key = field.slice(0, eq);
      const value = field.slice(eq + 1);
      if (key === "src") src.push(value);
      else if (key === "dst") dst.push(value);
      else if (key === "sport") sport.push(value);
      else if (key === "dport") dport.push(value);
    }
    if (src.length < 2 || dst.length < 2 || sport.length < 2 || dport.length < 2) continue;
    const replyMatches = normalizeIp(src[1] ?? "") === local && Number(sport[1]) === pair.localPort
      && normalizeIp(dst[1] ?? "") === remote && Number(dport[1]) === pair.remotePort;
    if (replyMatches) return { address: normalizeIp(dst[0] ?? ""), port: Number(dport[0]) };
  }
  return undefined;
}
