import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { fixPoolWorkersPrototypeChain } from "./pool-workers-fix.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

fixPoolWorkersPrototypeChain();

export default defineConfig(async () => ({
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
    name: "workers",
    include: ["test/workers/**/*.spec.ts"],
    setupFiles: [path.join(root, "test/workers/apply-migrations.ts")],
    // vitest defaults to cores - 1 workers (one, here); most of a file's time is workerd starting.
    maxWorkers: 2,
    // Two cores shared by two workerd files at once: a test that takes 2 s alone can take 6.
    testTimeout: 30_000,
    // Starts the recording upstream (test/support/upstream-server.ts) and the single sign-on suites'
    // identity providers in Node; specs get their addresses via inject().
    globalSetup: [path.join(root, "test/workers/global-setup.ts"), path.join(root, "test/workers/sso-global-setup.ts")],
    root,
  },
}));
