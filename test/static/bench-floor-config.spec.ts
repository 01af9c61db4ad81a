/**
 * The floor Worker (bench/wrangler.floor.toml) runs on the runtime the edge's dev environment runs
 * on: the same compatibility date and flags, and the same bundling. A floor on other settings
 * measures them, not the edge: until stop 33 the floor lacked two of the edge's flags and kept
 * esbuild's `__name()` wrapper around every closure, which the edge had turned off.
 */
import path from "node:path";
import { unstable_readConfig } from "wrangler";
import { expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

it("the floor Worker's compatibility date, flags and keep_names are the edge's dev environment's", () => {
  const edge = unstable_readConfig({ config: path.join(ROOT, "wrangler.toml"), env: "dev" });
  const floor = unstable_readConfig({ config: path.join(ROOT, "bench", "wrangler.floor.toml") });
  expect(floor.compatibility_date).toBe(edge.compatibility_date);
  expect([...floor.compatibility_flags].sort()).toEqual([...edge.compatibility_flags].sort());
  expect(floor.keep_names).toBe(edge.keep_names);
  expect(edge.keep_names).toBe(false);
});
