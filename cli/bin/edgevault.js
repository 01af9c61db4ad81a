#!/usr/bin/env node
// The CLI is TypeScript run through tsx, so `npx edgevault` works in the repo without a build step.
import { register } from "tsx/esm/api";

register();
const { run, processContext } = await import("../main.ts");
process.exitCode = await run(process.argv.slice(2), processContext());
