/**
 * The Node project of the one test run (vitest.config.ts at the root): the CLI suites drive the
 * real CLI against a real `wrangler dev` (one for the whole run: global-setup.ts), the end-to-end
 * suite drives headless Chromium, the MCP suite a real MCP server of the SDK with the passport
 * verifier (mcp-verifier/). Files run two at a time (two cores), tests within a file in order.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export default defineProject({
  test: {
    name: "node",
    root,
    include: ["test/cli/**/*.spec.ts", "test/e2e/**/*.spec.ts", "test/mcp/**/*.spec.ts"],
    environment: "node",
    globalSetup: [path.join(root, "test/node/global-setup.ts")],
    pool: "forks",
    maxWorkers: 2,
    // Real processes (wrangler dev, the CLI, Chromium): seconds each, minutes per file.
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
