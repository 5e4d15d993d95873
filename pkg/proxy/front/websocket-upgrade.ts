// websocket-upgrade: which Upgrade offers the front hands to the upgrade path (RFC 6455 WebSocket only;
// any other offer is served as a plain request, RFC 9110 §7.8). Takes request headers; gives a yes/no.
// Must not: look at anything but the Upgrade field.
import type { IncomingHttpHeaders } from "node:http";

export function isWebSocketUpgrade(headers: IncomingHttpHeaders): boolean {
  return typeof headers.upgrade === "string" && headers.upgrade.toLowerCase() === "websocket";
}
