/**
 * The vault a vault-scoped command uses when none is named: `--vault`, then EDGEVAULT_VAULT,
 * then the one chosen with `edgevault vault use`, then the company's `default` vault (as Agent
 * Vault has one), said on stderr so piped stdout is what it is with `--vault`.
 */
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { inviteAgent } from "./support/agent.ts";
import { printed, runCli, tempConfigHome, type CliOptions, type CliResult } from "./support/cli.ts";
import { startEdge, type Edge, type TestCompany } from "./support/edge.ts";

const DEFAULT_NOTE = /^Using vault "default" \(the default; choose with --vault, EDGEVAULT_VAULT or edgevault vault use\)$/m;
const SAVED_NOTE = (vault: string) => new RegExp(`^Using vault "${vault}" \\(chosen with edgevault vault use; --vault or EDGEVAULT_VAULT override it\\)$`, "m");

describe("the default vault", () => {
  let edge: Edge;
  let company: TestCompany;
  let home: string;
  /** Runs the CLI logged in as the company's owner key. */
  let cli: (args: readonly string[], options?: Omit<CliOptions, "configHome">) => Promise<CliResult>;
  const configFile = () => path.join(home, "edgevault", "config.json");
  const savedConfig = async () => JSON.parse(await readFile(configFile(), "utf8")) as Record<string, unknown>;

  /** Runs a command that must succeed; returns its output. */
  async function ok(args: readonly string[], options?: Omit<CliOptions, "configHome">): Promise<CliResult> {
    const result = await cli(args, options);
    assert.equal(result.code, 0, `${args.join(" ")}: ${printed(result)}`);
    return result;
  }

  before(async () => {
    edge = await startEdge();
    company = await edge.createCompany();
    home = await tempConfigHome();
    cli = (args, options = {}) => runCli(args, { configHome: home, ...options });
    await ok(["login", "--addr", edge.addr, "--save-api-key"], { stdin: company.ownerKey });
    for (const vault of ["payments", "ops"]) await ok(["vault", "create", vault]);
    await inviteAgent(edge, company.ownerKey, "my-agent", []);
  });
  after(async () => {
    await edge?.stop();
  });

  describe("seed 002's vault commands need no --vault", () => {
    it("vault agent add --role proxy, set-role and remove act on the default vault", async () => {
      const add = await ok(["vault", "agent", "add", "my-agent", "--role", "proxy"]);
      assert.equal(add.stdout, 'Agent "my-agent" now has the proxy role in vault "default".\n');
      assert.match(add.stderr, DEFAULT_NOTE);
      const granted = await edge.call("GET", "/v1/vaults/default/agents", company.ownerKey);
      assert.deepEqual((granted.body as { agents: unknown[] }).agents, [{ agent: "my-agent", role: "proxy", status: "active" }]);

      const setRole = await ok(["vault", "agent", "set-role", "my-agent", "--role", "member"]);
      assert.equal(setRole.stdout, 'Agent "my-agent" now has the member role in vault "default".\n');
      assert.match(setRole.stderr, DEFAULT_NOTE);

      const list = await ok(["vault", "agent", "list", "--json"]);
      assert.deepEqual(JSON.parse(list.stdout), [{ agent: "my-agent", role: "member", status: "active" }], "stdout is only the JSON");

      const remove = await ok(["vault", "agent", "remove", "my-agent"]);
      assert.equal(remove.stdout, 'Removed agent "my-agent" from vault "default".\n');
      assert.match(remove.stderr, DEFAULT_NOTE);
      assert.deepEqual((await edge.call("GET", "/v1/vaults/default/agents", company.ownerKey)).body, { vault: "default", agents: [] });
    });

    it("vault run -- <cmd> runs the command with a session of the default vault", async () => {
      const script = "process.stdout.write(process.env.AGENT_VAULT_VAULT)";
      const run = await ok(["vault", "run", "--", process.execPath, "-e", script]);
      assert.equal(run.stdout, "default");
      assert.match(run.stderr, DEFAULT_NOTE);
      assert.match(run.stderr, /running node with a 1d session for vault "default"/);
      const sessions = await edge.call("GET", "/v1/sessions?vault=default", company.ownerKey);
      assert.deepEqual((sessions.body as { sessions: unknown[] }).sessions, [], "the session is revoked afterwards");
    });

    it("--vault names another vault without a note", async () => {
      const add = await ok(["vault", "agent", "add", "my-agent", "--vault", "ops"]);
      assert.equal(add.stdout, 'Agent "my-agent" now has the proxy role in vault "ops".\n');
      assert.equal(add.stderr, "");
      await ok(["vault", "agent", "remove", "my-agent", "--vault", "ops"]);
    });
  });

  describe("vault use", () => {
    it("saves a vault that commands use after --vault and EDGEVAULT_VAULT, and before default", async () => {
      const use = await ok(["vault", "use", "payments"]);
      assert.match(use.stdout, /^Commands now use vault "payments" \(your role: admin\) when --vault and EDGEVAULT_VAULT are not given\.$/m);
      assert.deepEqual(await savedConfig(), { addr: edge.addr, token: company.ownerKey, kind: "company_key", vault: "payments" });

      const shown = await ok(["vault", "use"]);
      assert.equal(shown.stdout, "payments\n");
      assert.match(shown.stderr, /chosen with edgevault vault use/);

      // The saved choice…
      const saved = await ok(["vault", "credential", "set", "ORDER_KEY"], { stdin: "one" });
      assert.equal(saved.stdout, 'Stored ORDER_KEY in vault "payments".\n');
      assert.match(saved.stderr, SAVED_NOTE("payments"));
      // …gives way to EDGEVAULT_VAULT…
      const fromEnv = await ok(["vault", "credential", "set", "ORDER_KEY"], { stdin: "two", env: { EDGEVAULT_VAULT: "ops" } });
      assert.equal(fromEnv.stdout, 'Stored ORDER_KEY in vault "ops".\n');
      assert.match(fromEnv.stderr, /^Using vault "ops" \(from EDGEVAULT_VAULT\)$/m);
      assert.equal((await ok(["vault", "use"], { env: { EDGEVAULT_VAULT: "ops" } })).stdout, "ops\n");
      // …which gives way to --vault, said nowhere.
      const fromFlag = await ok(["vault", "credential", "set", "ORDER_KEY", "--vault", "default"], { stdin: "three", env: { EDGEVAULT_VAULT: "ops" } });
      assert.equal(fromFlag.stdout, 'Stored ORDER_KEY in vault "default".\n');
      assert.equal(fromFlag.stderr, "");

      const cleared = await ok(["vault", "use", "--clear"]);
      assert.match(cleared.stdout, /^Forgot vault "payments"; commands use "default"/);
      assert.equal((await savedConfig()).vault, undefined);
      const fallback = await ok(["vault", "credential", "list", "--json"]);
      assert.deepEqual(JSON.parse(fallback.stdout), ["ORDER_KEY"]);
      assert.match(fallback.stderr, DEFAULT_NOTE);
      assert.equal((await ok(["vault", "use"])).stdout, "default\n");
    });

    it("refuses a vault the edge does not know, a bad name, or a name with --clear, and saves nothing", async () => {
      const unknown = await cli(["vault", "use", "no-such-vault"]);
      assert.equal(unknown.code, 1, printed(unknown));
      assert.match(unknown.stderr, /Vault "no-such-vault" not found \(not_found, HTTP 404\)/);
      const cases: [string[], RegExp][] = [
        [["vault", "use", "Bad_Name"], /<name> must be lowercase letters/],
        [["vault", "use", "payments", "--clear"], /Give a vault name or --clear, not both/],
        [["vault", "use", "payments", "ops"], /Too many arguments \(expected 1, got 2\)/],
      ];
      for (const [args, message] of cases) {
        const result = await cli(args);
        assert.equal(result.code, 2, `${args.join(" ")}: ${printed(result)}`);
        assert.match(result.stderr, message);
      }
      assert.equal((await savedConfig()).vault, undefined);
    });

    it("the choice outlives logout and login, like the address", async () => {
      await ok(["vault", "use", "ops"]);
      await ok(["logout"]);
      assert.deepEqual(await savedConfig(), { addr: edge.addr, vault: "ops" });
      await ok(["login", "--addr", edge.addr, "--save-api-key"], { stdin: company.ownerKey });
      assert.equal((await savedConfig()).vault, "ops");
      assert.match((await ok(["vault", "agent", "list"])).stderr, SAVED_NOTE("ops"));
      await ok(["vault", "use", "--clear"]);
    });

    it("needs no login to clear or show, and writes no file when there is nothing to clear", async () => {
      const fresh = await tempConfigHome();
      const clear = await runCli(["vault", "use", "--clear"], { configHome: fresh });
      assert.equal(clear.code, 0, printed(clear));
      assert.match(clear.stdout, /No vault was chosen/);
      await assert.rejects(stat(path.join(fresh, "edgevault", "config.json")), { code: "ENOENT" });
      const shown = await runCli(["vault", "use"], { configHome: fresh });
      assert.equal(shown.stdout, "default\n");
    });
  });
});
