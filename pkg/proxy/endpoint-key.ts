// endpoint-key: the one spelling of an endpoint as a map key, "address:port" ("[v6]:port" for IPv6), shared
// by the balancer's stats, the upstream pools, session persistence tokens and the engine's pool eviction.
// Takes an address and a port; gives the key. Must not: resolve or normalise the address.

export function endpointKey(address: string, port: number): string {
  return address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
}
