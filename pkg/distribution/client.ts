// client: the proxy side of distribution. Takes the controller address and the proxy's identity;
// gives validated ProxySlices to `onConfig` atomically (one call per accepted version, the old
// one stays in force until then), ACKs accepted versions and NACKs rejected ones with a reason
// (keeping the last good), reconnects with jittered exponential backoff, and keeps serving the
// last good config through a controller outage. Optional on-disk last-known-good cache.
// On reconnect the hello carries the held resource hashes, so the server sends only a diff. The hello
// announces the trust-bundle feature: slices then carry the mesh CA's roots (`slice.trust`).
// Must not: apply a partially valid update; log tokens or payloads; crash on server input.
import * as grpc from "@grpc/grpc-js";
import { WeftError } from "../errors/weft-error.ts";
import { EMPTY_CLIENT_STATE, applyUpdate, type ClientState, type SliceValidator } from "./apply-update.ts";
import { DEFAULT_BACKOFF, backoffDelay, type BackoffOptions } from "./backoff.ts";
import { readLkgCache, writeLkgCache } from "./lkg-cache.ts";
import { loadDistributionProto, type DistributionStub, type ProxyMessage, type ServerMessage } from "./proto.ts";
import { helloOf } from "./hello.ts";
import type { ProxyIdentity, ProxySlice } from "./slice.ts";

export interface DistributionClientOptions {
  readonly address: string;
  readonly identity: ProxyIdentity;
  /** Called with each accepted config, before it is ACKed. Throwing rejects (NACKs) the version. */
  readonly onConfig: (config: { readonly version: string; readonly slice: ProxySlice }) => void;
  readonly credentials?: grpc.ChannelCredentials;
  /** Bearer token for the stream (projected ServiceAccount token), read at each connect. */
  readonly token?: () => string | Promise<string>;
  /** Proxy-specific check after structural validation: return a reason to reject. */
  readonly validate?: SliceValidator;
  readonly cachePath?: string;
  readonly backoff?: BackoffOptions;
  readonly channelOptions?: grpc.ChannelOptions;
  readonly log?: (level: "info" | "warn", msg: string, fields: Record<string, unknown>) => void;
}

export interface DistributionClient {
  /** Loads the cache (emitting it when valid) and starts connecting; resolves once started. */
  start(): Promise<void>;
  current(): { readonly version: string; readonly slice: ProxySlice } | undefined;
  /** True while a stream to the controller is open and the server has accepted our hello. */
  connected(): boolean;
  sign(csrPem: string, token: string, deadlineMs?: number): Promise<{ certChainPem: string; trustBundlePem: string }>;
  /**
   * New channel credentials (e.g. a rotated trust bundle) for every later connect and Sign call;
   * the open stream stays on its channel until it ends.
   */
  setCredentials(credentials: grpc.ChannelCredentials): void;
  close(): void;
}

/** Channel credentials that verify the controller's TLS certificate against `rootsPem` (PEM roots). */
export function tlsCredentials(rootsPem: string): grpc.ChannelCredentials {
  return grpc.credentials.createSsl(Buffer.from(rootsPem));
}

const STABLE_STREAM_MS = 5_000;

export function createDistributionClient(opts: DistributionClientOptions): DistributionClient {
  const { Client } = loadDistributionProto();
  const newStub = (creds: grpc.ChannelCredentials): DistributionStub =>
    new Client(opts.address, creds, {
      "grpc.max_receive_message_length": 256 * 1024 * 1024,
      "grpc.keepalive_time_ms": 20_000,
      "grpc.keepalive_timeout_ms": 10_000,
      "grpc.keepalive_permit_without_calls": 1,
      ...opts.channelOptions,
    }) as unknown as DistributionStub;
  let stub = newStub(opts.credentials ?? grpc.credentials.createInsecure());
  /** Channels replaced by setCredentials whose stream has not ended yet. */
  const retired = new Set<DistributionStub>();
  let callChannel: DistributionStub | undefined;
  const log = opts.log ?? (() => {});
  let state: ClientState = EMPTY_CLIENT_STATE;
  let currentConfig: { version: string; slice: ProxySlice } | undefined;
  let call: grpc.ClientDuplexStream<ProxyMessage, ServerMessage> | undefined;
  let closed = false;
  /** The server accepted our hello on the current stream. */
  let up = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  let cacheWrite: Promise<void> = Promise.resolve();

  const accept = (next: ClientState, slice: ProxySlice): string | undefined => {
    try {
      opts.onConfig({ version: next.version, slice });
    } catch (e) {
      return `apply failed: ${e instanceof Error ? e.message : "error"}`;
    }
    state = next;
    currentConfig = { version: next.version, slice };
    const path = opts.cachePath;
    if (path !== undefined) {
      const resources = [...next.resources.values()].map((r) => r.msg);
      cacheWrite = cacheWrite
        .then(() => writeLkgCache(path, next.version, resources))
        .catch((e: unknown) => log("warn", "last-known-good cache write failed", { error: e instanceof Error ? e.message : "error" }));
    }
    return undefined;
  };

  const onServerMessage = (c: grpc.ClientDuplexStream<ProxyMessage, ServerMessage>, m: ServerMessage): void => {
    const u = m.update;
    if (m.msg !== "update" || !u) return;
    const result = applyUpdate(state, u, opts.validate);
    const resources = u.resources.map((r) => ({ type: r.type, name: r.name, hash: r.hash }));
    const reason = result.ok ? accept(result.state, result.slice) : result.reason;
    if (reason === undefined) {
      c.write({ msg: "ack", ack: { version: u.version, resources } });
    } else {
      log("warn", "config rejected", { version: u.version, reason });
      c.write({ msg: "nack", nack: { version: u.version, resources, reason, resync: !result.ok && result.resync } });
    }
  };

  const scheduleReconnect = (openedAt: number): void => {
    if (closed || timer !== undefined) return;
    if (Date.now() - openedAt > STABLE_STREAM_MS) attempt = 0;
    const delay = backoffDelay(attempt++, opts.backoff ?? DEFAULT_BACKOFF);
    timer = setTimeout(() => {
      timer = undefined;
      void connect();
    }, delay);
  };

  const connect = async (): Promise<void> => {
    if (closed) return;
    const md = new grpc.Metadata();
    const openedAt = Date.now();
    if (opts.token) {
      try {
        md.set("authorization", `Bearer ${await opts.token()}`);
      } catch {
        log("warn", "could not read the stream token", {});
        scheduleReconnect(openedAt);
        return;
      }
    }
    if (closed) return;
    const channel = stub;
    const c = channel.Stream(md);
    call = c;
    callChannel = channel;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      if (retired.delete(channel)) channel.close();
      if (call === c) {
        call = undefined;
        up = false;
      }
      scheduleReconnect(openedAt);
    };
    c.on("metadata", () => {
      if (call === c) up = true;
    });
    c.on("data", (m: ServerMessage) => {
      attempt = 0;
      onServerMessage(c, m);
    });
    c.on("error", (e: grpc.ServiceError) => {
      if (!closed) log("warn", "distribution stream failed", { code: e.code, details: e.details });
      finish();
    });
    c.on("end", finish);
    c.on("close", finish);
    c.write({ msg: "hello", hello: helloOf(opts.identity, state) });
  };

  const loadCache = async (): Promise<void> => {
    if (opts.cachePath === undefined) return;
    const cached = await readLkgCache(opts.cachePath);
    if (cached === undefined) return;
    const result = applyUpdate(EMPTY_CLIENT_STATE, { version: cached.version, baseVersion: "", full: true, resources: cached.resources, removed: [] }, opts.validate);
    if (result.ok) accept(result.state, result.slice);
    else log("warn", "ignoring invalid last-known-good cache", { reason: result.reason });
  };

  return {
    async start() {
      await loadCache();
      void connect();
    },
    current: () => currentConfig,
    connected: () => up,
    sign(csrPem, token, deadlineMs = 10_000) {
      return new Promise((resolve, reject) => {
        stub.Sign({ csr: csrPem, token }, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err, res) => {
          if (err || !res) reject(err ?? new WeftError("WEFT_ERR_PROTOCOL", "empty Sign response"));
          else resolve({ certChainPem: res.certChain, trustBundlePem: res.trustBundle });
        });
      });
    },
    setCredentials(credentials) {
      if (closed) return;
      const old = stub;
      stub = newStub(credentials);
      if (call !== undefined && callChannel === old) retired.add(old);
      else old.close();
    },
    close() {
      for (const old of retired) old.close();
      retired.clear();
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      call?.cancel();
      call = undefined;
      up = false;
      stub.close();
    },
  };
}
