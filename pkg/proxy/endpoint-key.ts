// endpoint-key: the one spelling of an endpoint as a map key, "address:port" ("[v6]:port" for IPv6), shared
// by the balancer's stats, the upstream pools, session persistence tokens and the engine's pool eviction.
// The last key made is kept: an inbound sidecar asks for its app's key on every request (route-layer), and
// a string built per call is also hashed anew by the map it is looked up in.
// Takes an address and a port; gives the key. Must not: resolve or normalise the address.

let lastAddress = "";
let lastPort = -1;
let lastKey = "";

export function endpointKey(address: string, port: number): string {
  if (address === lastAddress && port === lastPort) return lastKey;
  lastKey = address.includes(":") ? `[${address}]:${port}` : `${address}:${port}`;
  lastAddress = address;
  lastPort = port;
  return lastKey;
}
