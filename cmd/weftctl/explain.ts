// explain: `weftctl explain` (pkg/weftctl).
export { explainCommand as default } from "../../pkg/weftctl/explain-command.ts";
