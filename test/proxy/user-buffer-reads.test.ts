// user-buffer-reads: pins the node internals the module leans on (net.Socket's kBuffer / kBufferCb /
// kBufferGen slots, useUserBuffer on TCP and TLS handles) and checks the behaviour callers rely on: accepted
// plain and TLS sockets read into the one shared buffer with no "data" event, bytes the stream buffered
// before attach (a protocol-detection peek) come first and in order, pause/resume stop and restart reads,
// EOF still ends the stream, and release() hands later reads back to "data" events as copies that a later
// read into the shared buffer does not overwrite.
import { once } from "node:events";
import { connect, createServer, Socket, type AddressInfo, type Server } from "node:net";
import { connect as tlsConnect, createServer as tlsCreateServer, type TLSSocket } from "node:tls";
import type { Duplex } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { READ_BUFFER_BYTES, UserBufferReads } from "../../pkg/proxy/h1/user-buffer-reads.ts";
import { readFirstBytesThen } from "../../pkg/proxy/front/read-first-bytes.ts";
import { selfSigned } from "../support/certs.ts";

const closers: (() => void)[] = [];
afterEach(() => {
  for (const c of closers.splice(0)) c();
});

async function plainPair(): Promise<{ accepted: Socket; client: Socket }> {
  let server: Server | undefined;
  const accepted = new Promise<Socket>((resolve) => {
    server = createServer({ pauseOnConnect: true }, resolve);
  });
  server!.listen(0, "127.0.0.1");
  await once(server!, "listening");
  const client = connect((server!.address() as AddressInfo).port, "127.0.0.1");
  const a = await accepted;
  closers.push(() => {
    client.destroy();
    a.destroy();
    server!.close();
  });
  return { accepted: a, client };
}

const pem = selfSigned("localhost");

async function tlsPair(): Promise<{ accepted: TLSSocket; client: TLSSocket }> {
  const server = tlsCreateServer({ cert: pem.certPem, key: pem.keyPem });
  const accepted = once(server, "secureConnection") as Promise<[TLSSocket]>;
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const client = tlsConnect({ port: (server.address() as AddressInfo).port, host: "127.0.0.1", rejectUnauthorized: false });
  const [[a]] = await Promise.all([accepted, once(client, "secureConnect")]);
  closers.push(() => {
    client.destroy();
    a.destroy();
    server.close();
  });
  return { accepted: a, client };
}

/** Collects what arrives through the callback, copied out (the buffer is reused). */
function collector(): { got: Buffer[]; onRead: (b: Buffer, n: number) => boolean; text: () => string } {
  const got: Buffer[] = [];
  return { got, onRead: (b, n) => (got.push(Buffer.from(b.subarray(0, n))), true), text: () => Buffer.concat(got).toString("latin1") };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("user-buffer-reads", () => {
  it("finds node's slots on net.Socket, empty on a new socket", () => {
    const s = new Socket();
    const names = Object.getOwnPropertySymbols(s).map((x) => x.description);
    for (const n of ["kBuffer", "kBufferCb", "kBufferGen"]) expect(names).toContain(n);
    const slots = s as unknown as Record<symbol, unknown>;
    for (const sym of Object.getOwnPropertySymbols(s).filter((x) => ["kBuffer", "kBufferCb", "kBufferGen"].includes(x.description ?? ""))) expect(slots[sym]).toBeNull();
    s.destroy();
  });

  for (const [name, make] of [["TCP", plainPair], ["TLS", tlsPair]] as const) {
    it(`${name}: an accepted socket reads into one shared buffer, no "data" event; EOF ends it`, async () => {
      const { accepted, client } = await make();
      expect(typeof (accepted as unknown as { _handle: { useUserBuffer?: unknown } })._handle.useUserBuffer).toBe("function");
      const c = collector();
      const buffers = new Set<Buffer>();
      let dataEvents = 0;
      accepted.on("data", () => dataEvents++);
      accepted.pause();
      const r = UserBufferReads.attach(accepted, (b, n) => {
        buffers.add(b);
        expect(b.length).toBe(READ_BUFFER_BYTES);
        return c.onRead(b, n);
      });
      expect(r).toBeDefined();
      r!.resume();
      const ended = once(accepted, "end");
      const payload = Buffer.alloc(200_000, "abcdefghij");
      client.end(payload);
      await ended;
      expect(Buffer.concat(c.got).equals(payload)).toBe(true);
      expect(buffers.size).toBe(1);
      expect(dataEvents).toBe(0);
    });
  }

  it("bytes buffered before attach (a detection peek) come first, in order, synchronously", async () => {
    const { accepted, client } = await plainPair();
    client.write("GET / HTTP/1.1\r\n");
    const head = await new Promise<Buffer>((resolve) => readFirstBytesThen(accepted as Duplex, undefined, (h) => (h.length >= 4 ? "h1" : undefined), 1000, 24, (f) => resolve(f.head)));
    client.write("host: a\r\n");
    await until(() => accepted.readableLength > 0);
    const c = collector();
    const r = UserBufferReads.attach(accepted, c.onRead);
    expect(c.text()).toBe("host: a\r\n");
    r!.resume();
    client.write("\r\n");
    await until(() => c.text().endsWith("\r\n\r\n"));
    expect(head.toString("latin1") + c.text()).toBe("GET / HTTP/1.1\r\nhost: a\r\n\r\n");
  });

  it("pause() stops reads until resume(); a callback's false pauses too", async () => {
    const { accepted, client } = await plainPair();
    const c = collector();
    let stop = true;
    const r = UserBufferReads.attach(accepted, (b, n) => (c.onRead(b, n), !stop))!;
    r.resume();
    client.write("one");
    await until(() => c.got.length === 1);
    expect(r.paused).toBe(true);
    client.write("two");
    await new Promise((res) => setTimeout(res, 50));
    expect(c.text()).toBe("one");
    stop = false;
    r.resume();
    await until(() => c.text() === "onetwo");
    r.pause();
    client.write("three");
    await new Promise((res) => setTimeout(res, 50));
    expect(c.text()).toBe("onetwo");
    r.resume();
    await until(() => c.text() === "onetwothree");
  });

  it("release(): later reads are 'data' events, copies a later read into the shared buffer leaves intact", async () => {
    const a = await plainPair();
    const b = await plainPair();
    const ra = UserBufferReads.attach(a.accepted, () => true)!;
    ra.resume();
    ra.release();
    const cb = collector();
    UserBufferReads.attach(b.accepted, cb.onRead)!.resume();
    const chunks: Buffer[] = [];
    a.accepted.on("data", (d: Buffer) => chunks.push(d));
    a.accepted.resume();
    a.client.write("first-socket-bytes");
    await until(() => chunks.length > 0);
    b.client.write("XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX");
    await until(() => cb.got.length > 0);
    expect(Buffer.concat(chunks).toString("latin1")).toBe("first-socket-bytes");
  });

  it("a socket without a native handle is left alone", () => {
    const s = new Socket();
    expect(UserBufferReads.attach(s, () => true)).toBeUndefined();
    s.destroy();
  });
});
