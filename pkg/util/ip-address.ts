// ip-address: canonical text form of an IP address so addresses from different sources compare equal.
// Takes: an IPv4 or IPv6 literal as written by Kubernetes, a socket, or a user ("[::1]", "fe80::1%eth0",
// "::ffff:10.0.0.1", "2001:DB8:0:0::1"). Gives: IPv4 dotted decimal, IPv6 in RFC 5952 form (lower case,
// no leading zeros, longest run of ≥2 zero groups compressed to "::"), IPv4-mapped IPv6 as plain IPv4.
// Must not: resolve names or touch the network; throw (text that is no IP literal is returned trimmed
// and lower-cased, so it simply never equals a real address).

/** Canonical text of `text` (see file comment); non-IP text comes back trimmed and lower-cased. */
export function normalizeIp(text: string): string {
  let s = text.trim().toLowerCase();
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(":")) return parseIpv4(s)?.join(".") ?? s;
  const groups = parseIpv6(s);
  if (groups === undefined) return s;
  if (isIpv4Mapped(groups)) {
    const hi = groups[6] ?? 0;
    const lo = groups[7] ?? 0;
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return formatIpv6(groups);
}

/** True when `text` is an IPv4 or IPv6 literal (brackets and zone allowed for IPv6). */
export function isIpLiteral(text: string): boolean {
  let s = text.trim().toLowerCase();
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  return s.includes(":") ? parseIpv6(s) !== undefined : parseIpv4(s) !== undefined;
}

function parseIpv4(s: string): number[] | undefined {
  const parts = s.split(".");
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^[0-9]{1,3}$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out.push(n);
  }
  return out;
}

function parseGroups(part: string): number[] | undefined {
  if (part === "") return [];
  const out: number[] = [];
  const items = part.split(":");
  for (let i = 0; i < items.length; i++) {
    const item = items[i] ?? "";
    if (i === items.length - 1 && item.includes(".")) {
      const v4 = parseIpv4(item);
      if (v4 === undefined) return undefined;
      out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      continue;
    }
    if (!/^[0-9a-f]{1,4}$/.test(item)) return undefined;
    out.push(parseInt(item, 16));
  }
  return out;
}

function parseIpv6(s: string): number[] | undefined {
  const dbl = s.indexOf("::");
  if (dbl >= 0) {
    if (s.indexOf("::", dbl + 1) >= 0) return undefined;
    const head = parseGroups(s.slice(0, dbl));
    const tail = parseGroups(s.slice(dbl + 2));
    if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined;
    return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  const groups = parseGroups(s);
  return groups !== undefined && groups.length === 8 ? groups : undefined;
}

function isIpv4Mapped(g: readonly number[]): boolean {
  return g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff;
}

function formatIpv6(g: readonly number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((n) => n.toString(16));
  if (bestLen < 2) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}
