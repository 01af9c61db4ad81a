/**
 * `vault agent list|add|set-role|remove` against a real edge: what each command changes is
 * checked from the agent's side too, with the agent's own token (GET /v1/vaults through curl).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { printed, runCli, tempConfigHome, type CliOptions, type CliResult } from "./support/cli.ts";
import { startEdge, type Edge, type TestCompany } from "./support/edge.ts";

const execFileAsync = promisify(execFile);

type VaultAgent = { agent: string; role: string; status: string };

describe("edgevault vault agent", () => {
  let edge: Edge;
  let company: TestCompany;
  let home: string;
  /** The agent's token, redeemed with curl from a CLI invite. */
  let agentToken: string;
  /** Runs the CLI logged in as the company's owner key. */
  let cli: (args: readonly string[], options?: Omit<CliOptions, "configHome">) => Promise<CliResult>;

  /** The vaults the agent sees with its own token, as name:role. */
  async function agentVaults(): Promise<string[]> {
    const { stdout } = await execFileAsync("curl", ["--silent", "--show-error", "-H", `Authorization: Bearer ${agentToken}`, `${edge.addr}/v1/vaults`]);
    const { vaults } = JSON.parse(stdout) as { vaults: { name: string; role: string }[] };
    return vaults.map((v) => `${v.name}:${v.role}`).sort();
  }

  async function listed(vault: string): Promise<VaultAgent[]> {
    const result = await cli(["vault", "agent", "list", "--vault", vault, "--json"]);
    assert.equal(result.code, 0, printed(result));
    return JSON.parse(result.stdout) as VaultAgent[];
  }

  before(async () => {
    edge = await startEdge();
    company = await edge.createCompany();
    home = await tempConfigHome();
    cli = (args, options = {}) => runCli(args, { configHome: home, ...options });
    const login = await cli(["login", "--addr", edge.addr, "--save-api-key"], { stdin: company.ownerKey });
    assert.equal(login.code, 0, printed(login));
    for (const vault of ["payments", "ops"]) assert.equal((await cli(["vault", "create", vault])).code, 0);

    // An agent with no vault yet: invited from the CLI, redeemed as the agent would.
    const invite = await cli(["agent", "invite", "my-agent"]);
    assert.equal(invite.code, 0, printed(invite));
    const url = /curl -s -X POST (\S+)/.exec(invite.stdout)?.[1] ?? "";
    const { stdout } = await execFileAsync("curl", ["--silent", "--show-error", "-X", "POST", url]);
    agentToken = (JSON.parse(stdout) as { token: string }).token;
    assert.ok(agentToken);
  });
  after(async () => {
    await edge?.stop();
  });

  it("add (default proxy), set-role and remove, each visible to the agent at once", async () => {
    const empty = await cli(["vault", "agent", "list", "--vault", "payments"]);
    assert.equal(empty.code, 0, printed(empty));
    assert.equal(empty.stdout, "");
    assert.match(empty.stderr, /No agents in vault "payments"\. Add one: edgevault vault agent add <name> --vault payments/);
    assert.deepEqual(await agentVaults(), []);

    const add = await cli(["vault", "agent", "add", "my-agent", "--vault", "payments"]);
    assert.equal(add.code, 0, printed(add));
    assert.match(add.stdout, /Agent "my-agent" now has the proxy role in vault "payments"/);
    assert.deepEqual(await listed("payments"), [{ agent: "my-agent", role: "proxy", status: "active" }]);
    assert.deepEqual(await agentVaults(), ["payments:proxy"]);

    const table = await cli(["vault", "agent", "list", "--vault", "payments"]);
    assert.match(table.stdout, /^AGENT +ROLE +STATUS\nmy-agent +proxy +active$/m);

    const setRole = await cli(["vault", "agent", "set-role", "my-agent", "--vault", "payments", "--role", "member"]);
    assert.equal(setRole.code, 0, printed(setRole));
    assert.match(setRole.stdout, /Agent "my-agent" now has the member role in vault "payments"/);
    assert.deepEqual(await agentVaults(), ["payments:member"]);

    const info = await cli(["agent", "info", "my-agent"]);
    assert.match(info.stdout, /^Vaults:\n {2}payments {2}member$/m);

    const remove = await cli(["vault", "agent", "remove", "my-agent", "--vault", "payments"]);
    assert.equal(remove.code, 0, printed(remove));
    assert.match(remove.stdout, /Removed agent "my-agent" from vault "payments"/);
    assert.deepEqual(await listed("payments"), []);
    assert.deepEqual(await agentVaults(), []);
  });

  it("takes the vault from EDGEVAULT_VAULT when --vault is absent, and --vault wins over it", async () => {
    const env = { EDGEVAULT_VAULT: "ops" };
    const add = await cli(["vault", "agent", "add", "my-agent", "--role", "admin"], { env });
    assert.equal(add.code, 0, printed(add));
    assert.match(add.stdout, /the admin role in vault "ops"/);
    const list = await cli(["vault", "agent", "list", "--json"], { env });
    assert.deepEqual(JSON.parse(list.stdout), [{ agent: "my-agent", role: "admin", status: "active" }]);
    assert.deepEqual(await listed("payments"), [], "--vault names another vault than EDGEVAULT_VAULT");

    // Adding again replaces the role rather than failing.
    assert.equal((await cli(["vault", "agent", "add", "my-agent", "--role", "proxy"], { env })).code, 0);
    assert.deepEqual(await agentVaults(), ["ops:proxy"]);
    assert.equal((await cli(["vault", "agent", "remove", "my-agent"], { env })).code, 0);
  });

  it("reports what the edge refuses with exit 1", async () => {
    const cases: [string[], RegExp][] = [
      [["vault", "agent", "add", "nope-agent", "--vault", "payments"], /Agent "nope-agent" not found \(not_found, HTTP 404\)/],
      [["vault", "agent", "add", "my-agent", "--vault", "no-such-vault"], /Vault "no-such-vault" not found \(not_found, HTTP 404\)/],
      [["vault", "agent", "set-role", "my-agent", "--vault", "payments", "--role", "admin"], /Agent grant not found \(not_found, HTTP 404\)/],
      [["vault", "agent", "remove", "my-agent", "--vault", "payments"], /Agent grant not found \(not_found, HTTP 404\)/],
      [["vault", "agent", "list", "--vault", "no-such-vault"], /Vault "no-such-vault" not found/],
    ];
    for (const [args, message] of cases) {
      const result = await cli(args);
      assert.equal(result.code, 1, `${args.join(" ")}: ${printed(result)}`);
      assert.match(result.stderr, message);
    }
  });

  it("a company member without a role in the vault cannot grant one", async () => {
    const user = await edge.createUser(company, "member");
    const memberHome = await tempConfigHome();
    const login = await runCli(["login", "--addr", edge.addr, "--email", user.email], { configHome: memberHome, stdin: user.password });
    assert.equal(login.code, 0, printed(login));
    const add = await runCli(["vault", "agent", "add", "my-agent", "--vault", "payments"], { configHome: memberHome });
    assert.equal(add.code, 1, printed(add));
    assert.match(add.stderr, /HTTP 40[34]/);
    assert.deepEqual(await listed("payments"), []);
  });

  it("rejects a bad role, name or vault with exit 2 before calling the edge", async () => {
    const cases: [string[], RegExp, Record<string, string>?][] = [
      [["vault", "agent", "add", "my-agent", "--vault", "payments", "--role", "owner"], /--role: must be proxy, member or admin/],
      [["vault", "agent", "set-role", "my-agent", "--vault", "payments"], /--role: is required: proxy, member or admin/],
      [["vault", "agent", "add", "My Agent", "--vault", "payments"], /<name> must be 1-128 characters/],
      [["vault", "agent", "add", "--vault", "payments"], /Missing argument <name>/],
      [["vault", "agent", "list", "--vault", "Bad_Vault"], /--vault: must be lowercase letters/],
      [["vault", "agent", "list"], /EDGEVAULT_VAULT must be lowercase letters/, { EDGEVAULT_VAULT: "Bad_Vault" }],
      [["vault", "agent", "grant", "my-agent"], /Unknown command "vault agent grant"/],
    ];
    for (const [args, message, env] of cases) {
      const result = await cli(args, env ? { env } : {});
      assert.equal(result.code, 2, `${args.join(" ")}: ${printed(result)}`);
      assert.match(result.stderr, message);
    }
    assert.ok(!printed(await cli(["vault", "agent", "list", "--vault", "payments"])).includes(agentToken));
  });
});
