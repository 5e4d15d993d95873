#!/usr/bin/env node
// weftctl: the operator CLI — translate, explain, check, status, proxy-config, inject.
import { join } from "node:path";
import { dispatch } from "./dispatch.ts";

await dispatch("weftctl", join(import.meta.dirname, "weftctl"), process.argv.slice(2));
