// local-dev-identity: the controller's mesh identity for local mode and development, with no
// Kubernetes API. The mesh CA from --ca-dir (ca-dir.ts: kept across restarts), or a fresh
// in-memory one without it, and a static token authenticator fed from a JSON file
// (`weft controller --local-dev-tokens FILE`, refused with --provider kube):
//   { "tokens": [ { "token": "<random>", "namespace": "demo", "serviceAccount": "web" } ] }
// Takes the file text and options; gives the same MeshIdentity shape as the TokenReview-based one
// (mesh-identity.ts), so the distribution server authenticates streams and signs CSRs alike.
// Must not: log tokens; accept a malformed file (it throws a message naming the problem, never a token).
import { DISTRIBUTION_AUDIENCE, createMeshCa, createStaticTokenAuthenticator, type StaticToken } from "../ca/index.ts";
import type { Log } from "../k8s/index.ts";
import { meshIdentityOf, type MeshIdentity, type MeshIdentityOptions } from "./mesh-identity.ts";
import { loadOrCreateCaDir } from "./ca-dir.ts";

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const MAX_TOKENS = 1000;

/** Parses the tokens file into a token → identity map; throws on anything malformed. */
export function parseLocalDevTokens(text: string): Map<string, StaticToken> {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error("--local-dev-tokens: the file is not JSON");
  }
  const list = (doc as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(list) || list.length > MAX_TOKENS) throw new Error(`--local-dev-tokens: want {"tokens": [...]} with at most ${MAX_TOKENS} entries`);
  const out = new Map<string, StaticToken>();
  list.forEach((e: unknown, i) => {
    const t = e as { token?: unknown; namespace?: unknown; serviceAccount?: unknown };
    if (typeof t.token !== "string" || t.token.length < 16 || t.token.length > 4096) throw new Error(`--local-dev-tokens: entry ${i}: token must be a string of 16..4096 characters`);
    if (typeof t.namespace !== "string" || !NAME.test(t.namespace)) throw new Error(`--local-dev-tokens: entry ${i}: bad namespace`);
    if (typeof t.serviceAccount !== "string" || !NAME.test(t.serviceAccount)) throw new Error(`--local-dev-tokens: entry ${i}: bad serviceAccount`);
    out.set(t.token, { namespace: t.namespace, serviceAccount: t.serviceAccount, audiences: [DISTRIBUTION_AUDIENCE], expiresAt: Number.MAX_SAFE_INTEGER });
  });
  return out;
}

export function startLocalDevIdentity(tokensText: string,
  o: { trustDomain: string; certLifetimeMs: number; log: Log; caDir?: string; metrics?: NonNullable<MeshIdentityOptions["metrics"]> }): MeshIdentity
{
  const tokens = parseLocalDevTokens(tokensText);
  const ca = o.caDir !== undefined ? loadOrCreateCaDir(o.caDir, o.trustDomain, o.log) : createMeshCa({ trustDomain: o.trustDomain });
  o.log.warn({ tokens: tokens.size, trustDomain: o.trustDomain, ...(o.caDir !== undefined ? { caDir: o.caDir } : {}) }, o.caDir !== undefined ?
    "local dev identity: mesh CA from --ca-dir and static tokens (not for clusters)"
    : "local dev identity: in-memory mesh CA and static tokens (not for clusters; a restart makes a new CA: give --ca-dir to keep it)");
  return meshIdentityOf(ca, createStaticTokenAuthenticator(tokens), o);
}
