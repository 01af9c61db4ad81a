/**
 * The CLI runs from its esbuild bundle, which now takes in the edge's contracts. cli/bin/edgevault.js
 * falls back to tsx without a word when a build fails, so a contract that could not be bundled
 * for Node would go unnoticed by every other suite: this one checks the bundle is built and is
 * what runs, and that only pure edge modules went into it (no edge process, no bindings).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, it } from "vitest";
import { ROOT } from "./support/edge.ts";

const BIN = path.join(ROOT, "cli", "bin", "edgevault.js");
const BUILD_DIR = path.join(ROOT, ".edgevault-cli");

describe("the CLI bundle", () => {
  it("is built from cli/ and the edge's contracts, and is newer than every source it holds", () => {
    const version = execFileSync(process.execPath, [BIN, "--version"], { cwd: ROOT, encoding: "utf8" });
    assert.match(version, /^\d+\.\d+\.\d+\n$/);
    const inputs = JSON.parse(readFileSync(path.join(BUILD_DIR, "inputs.json"), "utf8")) as string[];
    assert.ok(inputs.includes("cli/main.ts"), "the bundle's entry is cli/main.ts");
    assert.ok(
      inputs.some((input) => /^workers\/[a-z-]+\/[a-z-]+\.contract\.ts$/.test(input)),
      "the contracts are bundled in",
    );
    const built = statSync(path.join(BUILD_DIR, "cli.mjs")).mtimeMs;
    for (const input of inputs)
      assert.ok(statSync(path.join(ROOT, input)).mtimeMs <= built, `${input} is newer than the bundle: the build failed and tsx ran instead`);
  });

  it("holds no edge code beyond the contracts and pure workers/lib modules", () => {
    execFileSync(process.execPath, [BIN, "--version"], { cwd: ROOT });
    const inputs = JSON.parse(readFileSync(path.join(BUILD_DIR, "inputs.json"), "utf8")) as string[];
    const edge = inputs.filter((input) => input.startsWith("workers/") || input.startsWith("durable-objects/"));
    const impure = edge.filter((input) => !/^workers\/([a-z-]+\/[a-z-]+\.contract\.ts|lib\/([a-z-]+\/)?[a-z-]+\.ts)$/.test(input));
    assert.deepEqual(impure, []);
    // Packages the Worker alone needs stay out (they are external, so a stray import would name them).
    const bundle = readFileSync(path.join(BUILD_DIR, "cli.mjs"), "utf8");
    for (const name of ["drizzle-orm", "cloudflare:workers", "jose"]) assert.ok(!bundle.includes(`from "${name}`), `the bundle imports ${name}`);
  });
});
