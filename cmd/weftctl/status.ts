// status: `weftctl status` (pkg/weftctl).
export { statusCommand as default } from "../../pkg/weftctl/status-command.ts";
