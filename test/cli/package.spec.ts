/**
 * The CLI as an npm package: `npm pack` in cli/ builds dist/edgevault.js (one ESM file holding the
 * CLI and the edge's contracts) into a tarball, which `npm install -g --prefix <empty dir>`
 * installs with the dependencies cli/package.json declares, from a local registry (no network:
 * support/npm-registry.ts). The installed `edgevault` then runs from any directory, against the
 * shared local edge.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { tempConfigHome } from "./support/cli.ts";
import { ROOT, startEdge, type Edge, type TestCompany } from "./support/edge.ts";
import { startLocalRegistry, type LocalRegistry } from "./support/npm-registry.ts";

const execFileAsync = promisify(execFile);
const CLI_DIR = path.join(ROOT, "cli");

type CliPackage = {
  name: string;
  version: string;
  bin: Record<string, string>;
  dependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
};

describe("the edgevault npm package", { timeout: 300_000 }, () => {
  let pkg: CliPackage;
  let scratch: string;
  let tarball: string;
  let registry: LocalRegistry;
  let prefix: string;
  let edge: Edge;
  let company: TestCompany;

  before(async () => {
    pkg = JSON.parse(await readFile(path.join(CLI_DIR, "package.json"), "utf8")) as CliPackage;
    scratch = await tempConfigHome();
    prefix = await tempConfigHome();
    edge = await startEdge();
    company = await edge.createCompany();
  });
  after(async () => {
    await Promise.all([registry?.close(), edge?.stop()]);
  });

  /** npm with nothing of the developer's configuration or cache, talking only to the local registry. */
  async function npm(args: string[], cwd: string) {
    const [userrc, globalrc] = [path.join(scratch, "user.npmrc"), path.join(scratch, "global.npmrc")];
    await Promise.all([writeFile(userrc, ""), writeFile(globalrc, "")]);
    return execFileAsync("npm", args, {
      cwd,
      maxBuffer: 64 * 1024 * 1024,
      env: {
        PATH: process.env.PATH ?? "",
        HOME: scratch,
        npm_config_userconfig: userrc,
        npm_config_globalconfig: globalrc,
        npm_config_cache: path.join(scratch, "npm-cache"),
        npm_config_registry: registry?.url ?? "http://127.0.0.1:9/",
        npm_config_audit: "false",
        npm_config_fund: "false",
        npm_config_update_notifier: "false",
      },
    });
  }

  it("declares its bin, Node 20+, and its runtime dependencies at the root lockfile's versions", async () => {
    assert.equal(pkg.name, "edgevault");
    // One binary under two names: agent-vault for scripts written for Agent Vault (seed 002).
    assert.deepEqual(pkg.bin, { edgevault: "dist/edgevault.js", "agent-vault": "dist/edgevault.js" });
    const lock = (JSON.parse(await readFile(path.join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { version: string }> }).packages;
    for (const [name, version] of Object.entries({ ...pkg.dependencies, ...pkg.optionalDependencies }))
      assert.equal(version, lock[`node_modules/${name}`]?.version, `${name} is pinned to the lockfile's version`);
    assert.ok("@napi-rs/keyring" in pkg.optionalDependencies, "the native keyring is optional: without it, logins go to the config file");
  });

  it("npm pack builds one file holding the CLI and the edge's contracts, beside vault run's Node preload; nothing else ships", async () => {
    const { stdout } = await npm(["pack", "--json", "--pack-destination", scratch], CLI_DIR);
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    assert.ok(packed);
    tarball = path.join(scratch, packed.filename);
    assert.deepEqual(packed.files.map((f) => f.path).sort(), [
      "README.md",
      "dist/edgevault.js",
      "dist/node-proxy/preload.js",
      "dist/node-proxy/proxy-rules.js",
      "package.json",
    ]);
    const bundle = await readFile(path.join(CLI_DIR, "dist", "edgevault.js"), "utf8");
    assert.ok(bundle.startsWith("#!/usr/bin/env node\n"));
    assert.match(bundle, /"\.\/node-proxy\/preload\.js"/, "the bundle finds the preload beside it");
    const preload = await readFile(path.join(CLI_DIR, "dist", "node-proxy", "preload.js"), "utf8");
    // Bare imports left in the bundle and the preload (which requires undici when a child first fetches) are exactly what the package declares.
    const imported = new Set(
      [...`${bundle}\n${preload}`.matchAll(/(?:from|import\(|createRequire\(import\.meta\.url\)\()\s*"([^".][^"]*)"/g)].map((m) => m[1] ?? ""),
    );
    const packages = [...imported]
      .filter((name) => !name.startsWith("node:"))
      .map((name) =>
        name
          .split("/")
          .slice(0, name.startsWith("@") ? 2 : 1)
          .join("/"),
      );
    assert.deepEqual([...new Set(packages)].sort(), Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }).sort());
    assert.match(bundle, /AGENT_NAME_PATTERN|RESOURCE_NAME_PATTERN/, "the contracts are bundled in");
  });

  it("npm install -g into an empty prefix gets the declared dependencies, with no network", async () => {
    registry = await startLocalRegistry(Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies }), scratch);
    await npm(["install", "--global", "--prefix", prefix, tarball], scratch);
    const installed = path.join(prefix, "lib", "node_modules", "edgevault");
    assert.ok(existsSync(path.join(prefix, "bin", "edgevault")));
    assert.ok(existsSync(path.join(prefix, "bin", "agent-vault")));
    for (const name of Object.keys(pkg.dependencies)) assert.ok(existsSync(path.join(installed, "node_modules", name)), `${name} is installed`);
  });

  it("edgevault --version runs from any directory", async () => {
    const { stdout } = await execFileAsync(path.join(prefix, "bin", "edgevault"), ["--version"], {
      cwd: await tempConfigHome(),
      env: { PATH: process.env.PATH ?? "", HOME: scratch },
    });
    assert.equal(stdout, `${pkg.version}\n`);
  });

  it("agent-vault is installed too: --version, and seed 002's commands as written", async () => {
    const agentVault = path.join(prefix, "bin", "agent-vault");
    const home = await tempConfigHome();
    const { stdout: version } = await execFileAsync(agentVault, ["--version"], { cwd: home, env: { PATH: process.env.PATH ?? "", HOME: home } });
    assert.equal(version, `${pkg.version}\n`);
    // `agent-vault agent invite my-agent --vault default:proxy`, with Agent Vault's address variable.
    const env = {
      PATH: process.env.PATH ?? "",
      HOME: home,
      XDG_CONFIG_HOME: home,
      EDGEVAULT_CREDENTIAL_STORE: "file",
      AGENT_VAULT_ADDR: edge.addr,
      EDGEVAULT_API_KEY: company.ownerKey,
    };
    const { stdout: prompt } = await execFileAsync(agentVault, ["agent", "invite", "packaged-agent", "--vault", "default:proxy"], { cwd: home, env });
    assert.match(prompt, /the agent "packaged-agent"/);
    const { stdout: listed } = await execFileAsync(agentVault, ["agent", "invite", "list", "--status", "pending"], { cwd: home, env });
    assert.match(listed, /packaged-agent +agent +pending +member +default:proxy/);
  });

  it("vault run works against the local edge: a session for the child, the local CA made, Node's fetch and https preloaded", async () => {
    const home = await tempConfigHome();
    // The fetch runs through the installed preload's dispatcher (the edge is in NO_PROXY), which loads undici from the install.
    const script = `fetch(process.env.AGENT_VAULT_ADDR + "/v1/whoami", { headers: { authorization: "Bearer " + process.env.AGENT_VAULT_SESSION_TOKEN } })
      .then(async (r) => console.log(JSON.stringify({ status: r.status, kind: (await r.json()).kind, vault: process.env.AGENT_VAULT_VAULT,
        ca: require("node:fs").existsSync(process.env.NODE_EXTRA_CA_CERTS), proxy: /^http:\\/\\/evs_/.test(process.env.HTTPS_PROXY),
        preload: process.env.NODE_OPTIONS, https: require("node:https").globalAgent.constructor.name })))`;
    const { stdout, stderr } = await execFileAsync(
      path.join(prefix, "bin", "edgevault"),
      ["vault", "run", "--vault", "default", "--", process.execPath, "-e", script],
      {
        cwd: home,
        env: {
          PATH: process.env.PATH ?? "",
          HOME: home,
          XDG_CONFIG_HOME: home,
          EDGEVAULT_CREDENTIAL_STORE: "file",
          EDGEVAULT_ADDR: edge.addr,
          EDGEVAULT_API_KEY: company.ownerKey,
        },
      },
    );
    const installedPreload = pathToFileURL(path.join(prefix, "lib", "node_modules", "edgevault", "dist", "node-proxy", "preload.js")).href;
    assert.deepEqual(
      JSON.parse(stdout),
      { status: 200, kind: "vault_session", vault: "default", ca: true, proxy: true, preload: `--import=${installedPreload}`, https: "TunnellingAgent" },
      stderr,
    );
  });
});
