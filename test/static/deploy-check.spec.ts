/**
 * `npm run deploy:check -- --strict` refuses a deployment that still carries a placeholder: the
 * repository's TRUST_DOMAIN (which can never change once agents hold identities under it) or an
 * example name copied from the docs; without --strict they are warnings. Run on a copy of the
 * repository's wrangler.toml with the database id and public origin a real deployment sets.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dir = mkdtempSync(path.join(tmpdir(), "edgevault-deploy-check-spec-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The repository's wrangler.toml with a real-looking database and origin, and `vars` changed; paths made absolute. */
function configWith(name: string, vars: Record<string, string>): string {
  let text = readFileSync(path.join(ROOT, "wrangler.toml"), "utf8")
    .replace('main = "workers/index.ts"', `main = ${JSON.stringify(path.join(ROOT, "workers/index.ts"))}`)
    .replaceAll('migrations_dir = "migrations"', `migrations_dir = ${JSON.stringify(path.join(ROOT, "migrations"))}`)
    .replace(/database_id = "0{8}-0{4}-0{4}-0{4}-0{12}"/, 'database_id = "3f2c1a9e-8b7d-4c6e-9f01-23456789abcd"')
    .replace("[vars]\n", '[vars]\nPUBLIC_ORIGIN = "https://vault.acme-corp.net"\n');
  for (const [key, value] of Object.entries(vars)) text = text.replace(new RegExp(`^${key} = ".*"$`, "m"), `${key} = ${JSON.stringify(value)}`);
  const file = path.join(dir, `${name}.toml`);
  writeFileSync(file, text);
  return file;
}

function deployCheck(config: string, strict: boolean): Promise<{ code: number; output: string }> {
  const args = ["--import", "tsx", path.join(ROOT, "scripts/deploy-check.ts"), "--config", config, ...(strict ? ["--strict"] : [])];
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
  return new Promise((resolve) => {
    execFile(process.execPath, args, { cwd: ROOT, env, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}` });
    });
  });
}

describe("deploy:check --strict fails on a placeholder left in the deployment's settings", { timeout: 180_000 }, () => {
  it("the repository's TRUST_DOMAIN fails --strict before anything is built, naming why it matters", async () => {
    const result = await deployCheck(configWith("placeholder-trust-domain", {}), true);
    expect(result.code).toBe(1);
    expect(result.output).toContain(
      "error: production (top level): TRUST_DOMAIN is still the repository's placeholder \"edgevault.dev\": choose your own domain now, it names every agent's identity and cannot change later",
    );
    expect(result.output).toContain("the bundle was not built");
  });

  it("example names copied from the docs fail --strict too: TRUST_DOMAIN, PUBLIC_ORIGIN and BASE_DOMAIN", async () => {
    const config = configWith("example-names", { TRUST_DOMAIN: "edge.example.com" });
    const text = readFileSync(config, "utf8")
      .replace('PUBLIC_ORIGIN = "https://vault.acme-corp.net"', 'PUBLIC_ORIGIN = "https://edge.example.com"')
      .replace('# BASE_DOMAIN = "edgevault.example"', 'BASE_DOMAIN = "edgevault.example"');
    writeFileSync(config, text);
    const result = await deployCheck(config, true);
    expect(result.code).toBe(1);
    expect(result.output).toContain('TRUST_DOMAIN "edge.example.com" is an example name');
    expect(result.output).toContain("PUBLIC_ORIGIN https://edge.example.com is an example address");
    expect(result.output).toContain('BASE_DOMAIN "edgevault.example" is an example name');
  });

  it("a chosen trust domain passes --strict (and the bundle is built); without --strict a placeholder only warns", async () => {
    const chosen = await deployCheck(configWith("chosen", { TRUST_DOMAIN: "vault.acme-corp.net" }), true);
    expect(chosen.output).not.toContain("TRUST_DOMAIN");
    expect(chosen.code, chosen.output).toBe(0);
    const lenient = await deployCheck(configWith("lenient", {}), false);
    expect(lenient.output).toContain("warning: production (top level): TRUST_DOMAIN is still the repository's placeholder");
    expect(lenient.code, lenient.output).toBe(0);
  });
});
