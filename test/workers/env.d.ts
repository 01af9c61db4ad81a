// Types the `env` of `cloudflare:test` as the Worker's Env plus the test-only bindings.
type WorkerEnv = import("../../workers/env.ts").Env;
declare namespace Cloudflare {
  interface Env extends WorkerEnv {
    TEST_MIGRATIONS: import("cloudflare:test").D1Migration[];
    /** fast-check's seed for the hostile-input suite (FUZZ_SEED in the environment overrides the fixed one). */
    FUZZ_SEED?: string;
  }
}

/** Vite's `?raw` imports: a file's text (docs/security.md, compared with the permission table). */
declare module "*?raw" {
  const text: string;
  export default text;
}
