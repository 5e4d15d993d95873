// inject: `weftctl inject` (pkg/weftctl).
export { injectCommand as default } from "../../pkg/weftctl/inject-command.ts";
