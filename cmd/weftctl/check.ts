// check: `weftctl check` (pkg/weftctl).
export { checkCommand as default } from "../../pkg/weftctl/check-command.ts";
