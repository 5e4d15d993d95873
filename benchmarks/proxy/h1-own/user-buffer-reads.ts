// user-buffer-reads (benchmark prototype): an ACCEPTED socket reading into a caller's buffer, as
// `net.connect({ onread: { buffer, callback } })` does for a client socket. net.Server has no `onread` option;
// node's Socket keeps the option in symbol-keyed slots (kBuffer, kBufferCb, kBufferGen: lib/net.js sets them in
// the constructor, lib/internal/stream_base_commons.js `onStreamRead` calls kBufferCb(nread, buffer) instead of
// pushing a new Buffer into the Readable) and hands the buffer to the handle (`useUserBuffer`). Filling the same
// slots of an accepted socket before its first read gives it the same path: one JS call per read, no Buffer per
// read, no "data" event. Found by the slots' descriptions; fails loudly if a node version renamed them.
// Must not: be used outside benchmarks (it leans on node internals).
import type { Socket } from "node:net";
import { Socket as NetSocket } from "node:net";

function slot(name: string): symbol {
  const s = Object.getOwnPropertySymbols(new NetSocket()).find((x) => x.description === name);
  if (s === undefined) throw new Error(`node's net.Socket has no ${name} slot: user-buffer reads unavailable`);
  return s;
}
const kBuffer = slot("kBuffer");
const kBufferCb = slot("kBufferCb");

interface Slots {
  [k: symbol]: unknown;
  _handle: { useUserBuffer(b: Uint8Array): void } | null;
}

/** From now on `sock`'s reads land in `buf`; `onRead(n)` gets each read's length (false pauses the socket). */
export function userBufferReads(sock: Socket, buf: Buffer, onRead: (n: number) => boolean | void): void {
  const s = sock as unknown as Slots;
  if (s._handle === null) throw new Error("socket has no handle");
  s[kBuffer] = buf;
  s[kBufferCb] = (n: number) => onRead(n);
  s._handle.useUserBuffer(buf);
}
