/**
 * `npm test`'s one run: the Worker suites in workerd (test/workers/workers-project.ts: two projects) and the CLI
 * and end-to-end suites in Node (test/node/vitest.config.ts), with one summary at the end.
 */
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // Two cores: at most two test files at a time across both projects.
    maxWorkers: 2,
    projects: ["test/static/vitest.config.ts", "test/workers/vitest.config.ts", "test/workers/vitest.own-database.config.ts", "test/node/vitest.config.ts"],
  },
});
