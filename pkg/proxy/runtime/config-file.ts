// config-file: the `--config` door. A static IR file (the IR itself, or an object holding it under "ir"
// as the admin /config and `weftctl proxy-config` print it) goes through the same full validation as a
// slice from the controller (pkg/ir validateIr: shapes, bounds, references; no shallow check and cast),
// and is versioned by its content hash (irHash). The file is polled once a second for changes.
// Takes a path; gives the checked IR and its version, or the reason it was refused.
// Must not: throw on any file content, or echo key material in a reason.
import { readFileSync, unwatchFile, watchFile } from "node:fs";
import { decodeIr, irHash, type MeshIR } from "../../ir/index.ts";

export type ConfigRead =
  | { readonly ok: true; readonly ir: MeshIR; readonly version: string }
  | { readonly ok: false; readonly reason: string };

/** Parse and validate config text (pkg/ir decodeIr: the IR, or a document holding it under "ir"). */
export function parseConfig(text: string): ConfigRead {
  const checked = decodeIr(text);
  if (!checked.ok) return { ok: false, reason: checked.problem.code === "NotJson" ? `not JSON (${checked.problem.message})` : `config: ${checked.reason}` };
  return { ok: true, ir: checked.ir, version: irHash(checked.ir) };
}

/** Read, parse and validate the file at `path`. */
export function readConfigFile(path: string): ConfigRead {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    return { ok: false, reason: `cannot read it (${e instanceof Error && "code" in e ? String(e.code) : "error"})` };
  }
  return parseConfig(text);
}

/** Call `changed` whenever the file at `path` changes (polled every `intervalMs`); gives the function that stops it. */
export function watchConfigFile(path: string, changed: () => void, intervalMs = 1000): () => void {
  const listener = (): void => changed();
  watchFile(path, { interval: intervalMs }, listener);
  return () => unwatchFile(path, listener);
}
