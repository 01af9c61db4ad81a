/** The Worker suites that need a workerd and a database of their own (workers-project.ts OWN_DATABASE). */
import { defineConfig } from "vitest/config";
import { workersProject } from "./workers-project.ts";

export default defineConfig(() => workersProject(false));
