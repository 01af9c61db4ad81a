/**
 * The Worker suites' vitest project, in workerd (vitest-pool-workers) against real local D1 and
 * Durable Objects. Two projects are built from it (vitest.config.ts at the root lists both):
 *
 * - `workers`: most files, sharing one workerd per vitest worker (`isolate: false`). Starting a
 *   workerd and importing the app into it costs 3–4 s per file; paid per file, that was over half
 *   of `npm test`. A file here makes its own company, agents and vaults (helpers.ts) and asserts
 *   only on what is scoped to them, as any tenant of the hosted edge would; the module state the
 *   app keeps per isolate (caches, the request log's buffer) is what a long-lived isolate keeps.
 * - `workers-own-database`: the files in OWN_DATABASE, each in a workerd and a database of its
 *   own, because what they test acts on every company at once (rotating the platform's master key
 *   re-wraps every company's data key and leaves them readable only with the new key list).
 */
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ViteUserConfig } from "vitest/config";
import { fixPoolWorkersPrototypeChain } from "./pool-workers-fix.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Files that act on every company in the database, so need one of their own (see above). */
export const OWN_DATABASE = ["test/workers/master-key.spec.ts", "test/workers/leak-canaries.spec.ts"];

export async function workersProject(shared: boolean): Promise<ViteUserConfig> {
  fixPoolWorkersPrototypeChain();
  return {
    plugins: [
      cloudflareTest({
        main: path.join(root, "workers/index.ts"),
        wrangler: { configPath: path.join(root, "wrangler.toml"), environment: "dev" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: await readD1Migrations(path.join(root, "migrations")),
            PLATFORM_TOKEN: "test-platform-token-0123456789abcdef",
            // One master key; the rotation test calls the app with a second one added.
            MASTER_KEYS: "v1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
            TOKEN_MAC_KEY: "test-token-mac-key-0123456789abcdef",
            // The host the specs call (helpers.ts BASE): links start with it, and other hosts are 421.
            PUBLIC_ORIGIN: "https://edge.test",
            // Short, so the 504 tests do not wait 30 s; long enough that a 50 MB upload on two loaded
            // cores (it counts: the upstream answers after reading it all) is not cut short.
            UPSTREAM_TIMEOUT_MS: "5000",
            // Replays a hostile-input failure: FUZZ_SEED=<the printed seed> npm test.
            ...(process.env.FUZZ_SEED ? { FUZZ_SEED: process.env.FUZZ_SEED } : {}),
          },
        },
      }),
    ],
    test: {
      name: shared ? "workers" : "workers-own-database",
      include: shared ? ["test/workers/**/*.spec.ts"] : OWN_DATABASE,
      exclude: shared ? OWN_DATABASE : [],
      isolate: !shared,
      // Each file applies the migrations it has not got yet (a shared workerd has them after its first file).
      setupFiles: [path.join(root, "test/workers/apply-migrations.ts")],
      // vitest defaults to cores - 1 workers (one, here).
      maxWorkers: 2,
      // Two cores shared by two workerd files at once: a test that takes 2 s alone can take 6.
      testTimeout: 30_000,
      // Starts the recording upstream (test/support/upstream-server.ts) and the single sign-on suites'
      // identity providers in Node; specs get their addresses via inject().
      globalSetup: [path.join(root, "test/workers/global-setup.ts"), path.join(root, "test/workers/sso-global-setup.ts")],
      root,
    },
  };
}
