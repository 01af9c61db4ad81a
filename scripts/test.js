#!/usr/bin/env node
/**
 * `npm test`: typecheck, the Worker suite (vitest in workerd), the CLI suite (node:test against
 * a real `wrangler dev`), then the end-to-end suite (a real `wrangler dev` and headless
 * Chromium). Every step runs even after a failure so one run reports everything; the exit code
 * is non-zero if any step failed. The last line sums the suites: `N passed, N failed`.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const STEPS = [
  { name: "typecheck", script: "typecheck" },
  { name: "worker tests", script: "test:workers", parseCounts: vitestCounts },
  { name: "CLI tests", script: "test:cli", parseCounts: nodeTestCounts },
  { name: "end-to-end tests", script: "test:e2e", parseCounts: nodeTestCounts },
];

const ENV = {
  ...process.env,
  // Telemetry and the request.cf lookup would leave the machine; tests stay on loopback.
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  // Children write to a pipe (so counts can be read); keep their colours when a human watches.
  ...(process.stdout.isTTY && !process.env.NO_COLOR ? { FORCE_COLOR: "1" } : {}),
};

const stripAnsi = (text) => text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "");

/** vitest's summary: ` Tests  2 failed | 40 passed (42)`. */
function vitestCounts(output) {
  const line = stripAnsi(output)
    .split("\n")
    .findLast((l) => /^\s*Tests\s+.*\(\d+\)\s*$/.test(l));
  if (!line) return undefined;
  const count = (word) => Number(new RegExp(`(\\d+) ${word}`).exec(line)?.[1] ?? 0);
  return { passed: count("passed"), failed: count("failed") };
}

/** node:test's summary: `ℹ pass 21` / `ℹ fail 0` (spec reporter) or `# pass 21` (TAP). */
function nodeTestCounts(output) {
  const text = stripAnsi(output);
  const pass = [...text.matchAll(/^(?:ℹ|#) pass (\d+)\s*$/gm)].at(-1)?.[1];
  const fail = [...text.matchAll(/^(?:ℹ|#) fail (\d+)\s*$/gm)].at(-1)?.[1];
  return pass === undefined || fail === undefined ? undefined : { passed: Number(pass), failed: Number(fail) };
}

/** Runs `npm run <script>`, echoing its output and keeping a copy to read the counts from. */
function runScript(script) {
  // Under `npm test`, npm_execpath is the npm that started us; reuse it rather than a PATH lookup.
  const npmCli = process.env.npm_execpath;
  const [command, args] = npmCli && npmCli.endsWith(".js") ? [process.execPath, [npmCli]] : ["npm", []];
  return new Promise((resolve) => {
    const child = spawn(command, [...args, "run", "--silent", script], { cwd: ROOT, env: ENV, stdio: ["ignore", "pipe", "pipe"] });
    current = child;
    let output = "";
    child.stdout.on("data", (chunk) => {
      process.stdout.write(chunk);
      output += chunk;
    });
    child.stderr.on("data", (chunk) => {
      process.stderr.write(chunk);
      output += chunk;
    });
    child.on("error", (error) => resolve({ code: 1, output: `${output}\n${error.message}` }));
    child.on("close", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

let current;
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    current?.kill(signal);
    process.exit(signal === "SIGINT" ? 130 : 143);
  });
}

const results = [];
for (const step of STEPS) {
  console.log(`\n=== ${step.name} (npm run ${step.script}) ===\n`);
  const { code, output } = await runScript(step.script);
  results.push({ ...step, code, counts: step.parseCounts?.(output) });
}

const suites = results.filter((r) => r.parseCounts !== undefined);
const failedSteps = results.filter((r) => r.code !== 0);
console.log("\n=== summary ===");
for (const r of results) {
  const counts = r.counts ? `: ${r.counts.passed} passed, ${r.counts.failed} failed` : "";
  console.log(`${r.code === 0 ? "ok  " : "FAIL"}  ${r.name}${counts}${r.code !== 0 ? ` (exit ${r.code})` : ""}`);
}
if (suites.every((r) => r.counts !== undefined)) {
  const passed = suites.reduce((sum, r) => sum + r.counts.passed, 0);
  const failed = suites.reduce((sum, r) => sum + r.counts.failed, 0);
  console.log(`${passed} passed, ${failed} failed`);
}
process.exit(failedSteps.length === 0 ? 0 : 1);
