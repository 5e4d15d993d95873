// diagnostics: takes findings during one translate pass, gives them sorted by (object, code, path).
// Diagnostics explain what status cannot (e.g. a parentRef to a Gateway that does not exist, which
// gets no status entry per spec §4) so weftctl can show it.
// Must not: carry secret material in messages.
import { capMessage } from "./conditions.ts";
import type { Diagnostic } from "./result.ts";

export class Diagnostics {
  readonly items: Diagnostic[] = [];

  add(severity: Diagnostic["severity"], code: string, object: string, message: string, path?: string): void {
    const m = capMessage(message);
    this.items.push(path === undefined ? { severity, code, object, message: m } : { severity, code, object, path, message: m });
  }

  sorted(): Diagnostic[] {
    return [...this.items].sort(compareDiagnostics);
  }
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return cmp(a.object, b.object) || cmp(a.code, b.code) || cmp(a.path ?? "", b.path ?? "") || cmp(a.message, b.message);
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
