// translate: `weftctl translate` (pkg/weftctl).
export { translateCommand as default } from "../../pkg/weftctl/translate-command.ts";
