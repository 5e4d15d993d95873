// proxy-config: `weftctl proxy-config` (pkg/weftctl).
export { proxyConfigCommand as default } from "../../pkg/weftctl/proxy-config-command.ts";
