#!/usr/bin/env node
// weft: the runtime binary — `weft controller`, `weft proxy`, `weft init`, `weft local`.
import { join } from "node:path";
import { dispatch } from "./dispatch.ts";

await dispatch("weft", join(import.meta.dirname, "weft"), process.argv.slice(2));
