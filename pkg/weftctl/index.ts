// index: the public surface of pkg/weftctl — the operator CLI's commands (translate, explain, status,
// check, proxy-config, inject) and the offline translate run the golden corpus shares.
export { translateCommand } from "./translate-command.ts";
export { explainCommand } from "./explain-command.ts";
export { statusCommand } from "./status-command.ts";
export { checkCommand } from "./check-command.ts";
export { proxyConfigCommand } from "./proxy-config-command.ts";
export { injectCommand } from "./inject-command.ts";
export { renderOutput, runTranslate } from "./translate-run.ts";
export type { ManifestInput, TranslateRun } from "./translate-run.ts";
