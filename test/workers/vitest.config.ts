/** The Worker suites that share a workerd per vitest worker (workers-project.ts says which do not). */
import { defineConfig } from "vitest/config";
import { workersProject } from "./workers-project.ts";

export default defineConfig(() => workersProject(true));
