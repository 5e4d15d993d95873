// apply-update: the proxy-side state machine step. Takes the resources a proxy holds and one
// ConfigUpdate; gives either the next held state with its assembled ProxySlice, validated by pkg/ir, or a
// rejection (reason for the NACK; `resync` when the proxy's base does not match the update's).
// All-or-nothing: a rejected update leaves the held state untouched (last-known-good).
// Must not: throw on any update content; mutate the held state it was given.
import { isWeftError } from "../errors/weft-error.ts";
import type { ConfigUpdateMsg, ResourceMsg } from "./proto.ts";
import { RESOURCE_TYPES, assembleSlice, decodeResource, resourceKey, versionOf, type ResourceType } from "./resources.ts";
import type { ProxySlice } from "./slice.ts";
import { validateIr } from "../ir/validate.ts";

export const MAX_UPDATE_RESOURCES = 200_000;

export interface HeldResource {
  readonly msg: ResourceMsg;
  readonly hash: string;
  readonly value: unknown;
}

export interface ClientState {
  readonly version: string;
  readonly resources: ReadonlyMap<string, HeldResource>;
}

export const EMPTY_CLIENT_STATE: ClientState = { version: "", resources: new Map() };

export type ApplyResult =
  | { readonly ok: true; readonly state: ClientState; readonly slice: ProxySlice }
  | { readonly ok: false; readonly reason: string; readonly resync: boolean };

/** Extra proxy-specific check: return a reason to reject, undefined to accept. */
export type SliceValidator = (slice: ProxySlice) => string | undefined;

export function applyUpdate(held: ClientState, update: ConfigUpdateMsg, extra?: SliceValidator): ApplyResult {
  if (!update.full && update.baseVersion !== held.version) {
    return { ok: false, resync: true, reason: `update base ${update.baseVersion || "(none)"} does not match held version ${held.version || "(none)"}` };
  }
  if (update.resources.length + update.removed.length > MAX_UPDATE_RESOURCES) {
    return { ok: false, resync: false, reason: `update has more than ${MAX_UPDATE_RESOURCES} entries` };
  }
  const next = new Map<string, HeldResource>(update.full ? [] : held.resources);
  for (const r of update.removed) next.delete(resourceKey(r.type, r.name));
  for (const r of update.resources) {
    if (!RESOURCE_TYPES.includes(r.type as ResourceType)) {
      return { ok: false, resync: false, reason: `resource ${r.type}/${r.name}: unknown type` };
    }
    try {
      next.set(resourceKey(r.type, r.name), { msg: r, hash: r.hash, value: decodeResource(r) });
    } catch (e) {
      return { ok: false, resync: false, reason: isWeftError(e) ? e.message : `resource ${r.type}/${r.name}: undecodable` };
    }
  }
  const version = versionOf(next);
  if (version !== update.version) {
    return { ok: false, resync: true, reason: `resources hash to version ${version}, update announced ${update.version}` };
  }
  const values = new Map<string, unknown>();
  for (const [k, v] of next) values.set(k, v.value);
  const checked = validateIr(assembleSlice(values));
  if (!checked.ok) return { ok: false, resync: false, reason: checked.reason };
  const reason = safeExtra(extra, checked.ir);
  if (reason !== undefined) return { ok: false, resync: false, reason };
  return { ok: true, state: { version, resources: next }, slice: checked.ir };
}

function safeExtra(extra: SliceValidator | undefined, slice: ProxySlice): string | undefined {
  if (extra === undefined) return undefined;
  try {
    return extra(slice);
  } catch (e) {
    return `validator failed: ${e instanceof Error ? e.message : "error"}`;
  }
}
