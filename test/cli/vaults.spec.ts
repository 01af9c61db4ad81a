/** Vaults and credentials through the CLI: values go in on stdin and never come out. */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { printed, runCli, tempConfigHome, type CliOptions, type CliResult } from "./support/cli.ts";
import { startEdge, type Edge, type TestCompany } from "./support/edge.ts";

type Vault = { id: string; name: string; unmatched_host_policy: string; role: string; created_at: string };

describe("edgevault vault and vault credential", () => {
  let edge: Edge;
  let company: TestCompany;
  let home: string;
  /** Runs the CLI logged in as the company's owner key. */
  let cli: (args: readonly string[], options?: Omit<CliOptions, "configHome">) => Promise<CliResult>;

  before(async () => {
    edge = await startEdge();
    company = await edge.createCompany();
    home = await tempConfigHome();
    cli = (args, options = {}) => runCli(args, { configHome: home, ...options });
    const login = await cli(["login", "--addr", edge.addr, "--save-api-key"], { stdin: company.ownerKey });
    assert.equal(login.code, 0, printed(login));
  });
  after(async () => {
    await edge?.stop();
  });

  describe("vault create and list", () => {
    it("creates a vault and lists it, as a table and as JSON", async () => {
      const created = await cli(["vault", "create", "payments", "--policy", "deny"]);
      assert.equal(created.code, 0, printed(created));
      assert.match(created.stdout, /Created vault "payments" \(unmatched hosts: deny; your role: admin\)/);
      assert.equal((await cli(["vault", "create", "ops"])).code, 0);

      const json = await cli(["vault", "list", "--json"]);
      assert.equal(json.code, 0, printed(json));
      const vaults = JSON.parse(json.stdout) as Vault[];
      const byName = new Map(vaults.map((v) => [v.name, v]));
      assert.equal(byName.get("payments")?.unmatched_host_policy, "deny");
      assert.equal(byName.get("payments")?.role, "admin");
      assert.equal(byName.get("ops")?.unmatched_host_policy, "passthrough");

      const table = await cli(["vault", "list"]);
      assert.match(table.stdout, /^NAME +ROLE +UNMATCHED HOSTS +CREATED$/m);
      assert.match(table.stdout, /^payments +admin +deny /m);
    });

    it("reports an existing name with the edge's code and exit 1", async () => {
      assert.equal((await cli(["vault", "create", "dup"])).code, 0);
      const again = await cli(["vault", "create", "dup"]);
      assert.equal(again.code, 1, printed(again));
      assert.match(again.stderr, /Vault "dup" already exists \(vault_exists, HTTP 409\)/);
    });

    it("rejects bad names and policies before calling the edge, with exit 2", async () => {
      const name = await cli(["vault", "create", "Bad_Name"]);
      assert.equal(name.code, 2, printed(name));
      assert.match(name.stderr, /<name> must be lowercase letters, digits and hyphens/);
      const policy = await cli(["vault", "create", "fine", "--policy", "maybe"]);
      assert.equal(policy.code, 2, printed(policy));
      assert.match(policy.stderr, /--policy: must be passthrough or deny/);
      const unknown = await cli(["vault", "remove", "fine"]);
      assert.equal(unknown.code, 2, printed(unknown));
      assert.match(unknown.stderr, /Unknown command "vault remove"/);
    });
  });

  describe("vault credential", () => {
    it("stores a value from stdin, lists only its name, and never prints the value", async () => {
      const value = `sk_live_${Math.random().toString(36).slice(2)}_do-not-print`;
      assert.equal((await cli(["vault", "create", "creds"])).code, 0);
      const results: CliResult[] = [];

      const set = await cli(["vault", "credential", "set", "STRIPE_KEY", "--vault", "creds"], { stdin: `${value}\n` });
      results.push(set);
      assert.equal(set.code, 0, printed(set));
      assert.match(set.stdout, /Stored STRIPE_KEY in vault "creds"/);

      // EDGEVAULT_VAULT stands in for --vault.
      const second = await cli(["vault", "credential", "set", "GITHUB_TOKEN"], { stdin: value, env: { EDGEVAULT_VAULT: "creds" } });
      results.push(second);
      assert.equal(second.code, 0, printed(second));

      const list = await cli(["vault", "credential", "list", "--vault", "creds"]);
      results.push(list);
      assert.equal(list.code, 0, printed(list));
      assert.deepEqual(list.stdout.trim().split("\n").sort(), ["GITHUB_TOKEN", "STRIPE_KEY"]);

      const json = await cli(["vault", "credential", "list", "--json"], { env: { EDGEVAULT_VAULT: "creds" } });
      results.push(json);
      assert.deepEqual((JSON.parse(json.stdout) as string[]).sort(), ["GITHUB_TOKEN", "STRIPE_KEY"]);

      const elsewhere = await cli(["vault", "credential", "set", "STRIPE_KEY", "--vault", "no-such-vault"], { stdin: value });
      results.push(elsewhere);
      assert.equal(elsewhere.code, 1, printed(elsewhere));

      results.push(await cli(["vault", "credential", "delete", "STRIPE_KEY", "GITHUB_TOKEN", "--vault", "creds"]));
      results.push(await cli(["whoami", "--json"]));

      for (const result of results) assert.ok(!printed(result).includes(value), `the value leaked in: ${printed(result)}`);
      assert.ok(!(await readFile(path.join(home, "edgevault", "config.json"), "utf8")).includes(value));
    });

    it("deletes credentials and reports the ones that did not exist", async () => {
      assert.equal((await cli(["vault", "create", "del"])).code, 0);
      assert.equal((await cli(["vault", "credential", "set", "OLD_TOKEN", "--vault", "del"], { stdin: "x" })).code, 0);

      const partly = await cli(["vault", "credential", "delete", "OLD_TOKEN", "NEVER_SET", "--vault", "del"]);
      assert.equal(partly.code, 1, printed(partly));
      assert.match(partly.stdout, /Deleted OLD_TOKEN from vault "del"/);
      assert.match(partly.stderr, /No such credential in vault "del": NEVER_SET/);

      const list = await cli(["vault", "credential", "list", "--vault", "del", "--json"]);
      assert.deepEqual(JSON.parse(list.stdout), []);
    });

    it("an unknown vault is an error with the edge's message", async () => {
      const list = await cli(["vault", "credential", "list", "--vault", "nope"]);
      assert.equal(list.code, 1, printed(list));
      assert.match(list.stderr, /Vault "nope" not found \(not_found, HTTP 404\)/);
    });

    it("rejects a lowercase key before reading the value", async () => {
      const result = await cli(["vault", "credential", "set", "stripe_key", "--vault", "creds"], { stdin: "value" });
      assert.equal(result.code, 2, printed(result));
      assert.match(result.stderr, /<KEY> must be upper case/);
      const deleted = await cli(["vault", "credential", "delete", "ok_not", "--vault", "creds"]);
      assert.equal(deleted.code, 2, printed(deleted));
    });

    it("never takes the value as an argument, and does not repeat it", async () => {
      const result = await cli(["vault", "credential", "set", "API_KEY", "typed-secret-123", "--vault", "creds"], { stdin: "value" });
      assert.equal(result.code, 2, printed(result));
      assert.match(result.stderr, /never from arguments/);
      assert.ok(!printed(result).includes("typed-secret-123"));
    });

    it("without --vault or EDGEVAULT_VAULT, uses the company's default vault and says so on stderr only", async () => {
      const set = await cli(["vault", "credential", "set", "DEFAULT_KEY"], { stdin: "value" });
      assert.equal(set.code, 0, printed(set));
      assert.equal(set.stdout, 'Stored DEFAULT_KEY in vault "default".\n');
      assert.match(set.stderr, /^Using vault "default" \(the default; choose with --vault, EDGEVAULT_VAULT or edgevault vault use\)$/m);
      const list = await cli(["vault", "credential", "list", "--json"]);
      assert.equal(list.code, 0, printed(list));
      assert.deepEqual(JSON.parse(list.stdout), ["DEFAULT_KEY"], "stdout holds only the result, as with --vault");
      assert.deepEqual(JSON.parse((await cli(["vault", "credential", "list", "--vault", "default", "--json"])).stdout), ["DEFAULT_KEY"]);
    });

    it("refuses an empty value", async () => {
      const result = await cli(["vault", "credential", "set", "EMPTY", "--vault", "creds"], { stdin: "\n" });
      assert.equal(result.code, 1, printed(result));
      assert.match(result.stderr, /Empty value for EMPTY: pipe it on stdin or type it at the prompt/);
    });

    it("prints help with an example", async () => {
      const help = await cli(["vault", "credential", "set", "--help"]);
      assert.equal(help.code, 0, printed(help));
      assert.match(help.stdout, /^Usage: edgevault vault credential set <KEY>/);
      assert.match(help.stdout, /Examples?:\n {2}edgevault vault credential set STRIPE_KEY/);
    });
  });
});
