/**
 * The static project of the one test run: checks over the source tree itself (what may import
 * what), in plain Node, with no edge, browser or workerd to start.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineProject } from "vitest/config";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export default defineProject({
  test: {
    name: "static",
    root,
    include: ["test/static/**/*.spec.ts"],
    environment: "node",
  },
});
