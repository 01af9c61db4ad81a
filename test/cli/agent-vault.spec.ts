/**
 * Scripts written for Agent Vault run unchanged: the CLI answers to `agent-vault` too (the same
 * binary, started through a link of that name as npm's bin link starts it), and every command
 * seed 002 shows runs as it is written there, in its order, without a terminal: invite, list,
 * info, set-role, the vault-level commands, rename, rotate, the invite list and revoke, delete,
 * and `vault run`. Under that name the CLI reads AGENT_VAULT_ADDR and AGENT_VAULT_VAULT; under
 * `edgevault` it never does.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { symlink } from "node:fs/promises";
import path from "node:path";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { inviteUrlIn, redeem, suffixIn } from "./support/agent-invites.ts";
import { type CliResult, printed, runCli, TEST_STORE, tempConfigHome } from "./support/cli.ts";
import { ROOT, startEdge, type Edge, type TestCompany } from "./support/edge.ts";

describe("scripts written for Agent Vault (seed 002) run unchanged under agent-vault", { timeout: 120_000 }, () => {
  let edge: Edge;
  let company: TestCompany;
  let home: string;
  let agentVault: string;

  before(async () => {
    edge = await startEdge();
    company = await edge.createCompany();
    home = await tempConfigHome();
    // What `npm install` puts on PATH: a link named agent-vault to the CLI's entry.
    agentVault = path.join(await tempConfigHome(), "agent-vault");
    await symlink(path.join(ROOT, "cli", "bin", "edgevault.js"), agentVault);
    // Logged in as a script's owner would be.
    const login = await runCli(["login", "--addr", edge.addr, "--save-api-key"], { configHome: home, stdin: company.ownerKey });
    assert.equal(login.code, 0, printed(login));
    const payments = await runCli(["vault", "create", "payments"], { configHome: home });
    assert.equal(payments.code, 0, printed(payments));
  });
  after(async () => {
    await edge?.stop();
  });

  /** `agent-vault <words…>` as a script runs it: stdin not a terminal, Agent Vault's variables set. */
  async function agentVaultCli(words: string, env: Record<string, string> = {}): Promise<CliResult> {
    const child = spawn(agentVault, words.split(" "), {
      cwd: home,
      env: { PATH: process.env.PATH ?? "", HOME: home, XDG_CONFIG_HOME: home, ...TEST_STORE, AGENT_VAULT_ADDR: edge.addr, ...env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.stdin.end();
    const [code] = (await once(child, "close")) as [number | null];
    return { code: code ?? -1, stdout, stderr };
  }
  const ok = async (words: string, env?: Record<string, string>) => {
    const result = await agentVaultCli(words, env);
    assert.equal(result.code, 0, `agent-vault ${words}:\n${printed(result)}`);
    return result;
  };

  it("agent-vault --version and --help answer as the same CLI", async () => {
    assert.match((await ok("--version")).stdout, /^\d+\.\d+\.\d+/);
    assert.match((await ok("--help")).stdout, /^Usage: agent-vault <command>/m);
  });

  it("runs seed 002's agent commands as written, delete included, without a terminal", async () => {
    const invited = await ok("agent invite my-agent --vault default:proxy");
    await redeem(inviteUrlIn(invited.stdout));
    const owner = await ok("agent invite owner-agent --role owner");
    await redeem(inviteUrlIn(owner.stdout));
    const both = await ok("agent invite multi-agent --vault default:member --vault payments:proxy");
    assert.match(both.stdout, /multi-agent/);

    assert.match((await ok("agent list")).stdout, /^my-agent +member +active/m);
    assert.match((await ok("agent info my-agent")).stdout, /^Vaults:\n {2}default +proxy/m);
    await ok("agent set-role my-agent --role owner");
    assert.match((await ok("agent info my-agent")).stdout, /^Role: +owner/m);
    // An owner is admin of every vault here: back to member for the vault-level commands.
    await ok("agent set-role my-agent --role member");

    await ok("vault agent add my-agent --vault payments --role member");
    assert.match((await ok("vault agent list --vault payments")).stdout, /^my-agent +member/m);
    await ok("vault agent set-role my-agent --role member");
    assert.match((await ok("vault agent list")).stdout, /^my-agent +member/m);
    await ok("vault agent remove my-agent");
    await ok("vault agent add my-agent --role proxy");
    assert.match((await ok("vault agent list")).stdout, /^my-agent +proxy/m);

    await ok("agent rename my-agent new-name");
    const rotated = await ok("agent rotate new-name");
    assert.match(rotated.stdout, /\/invite\//);
    assert.match((await ok("agent invite list --status pending")).stdout, /new-name +rotation +pending/);
    await ok(`agent invite revoke ${suffixIn(rotated.stderr)}`);

    // Agent Vault's delete asks nothing: no --yes, no terminal, and the agent is gone.
    await ok("agent delete new-name");
    assert.doesNotMatch((await ok("agent list")).stdout, /new-name/);
    // Under its own name the CLI keeps its rule: without a terminal, --yes or nothing is deleted.
    const guarded = await runCli(["agent", "delete", "owner-agent"], { configHome: home });
    assert.equal(guarded.code, 2, printed(guarded));
    assert.match(guarded.stderr, /pass --yes/);
  });

  it("runs vault run as seed 002 shows it, the child getting Agent Vault's variables", async () => {
    const script = "console.log([process.env.AGENT_VAULT_VAULT, /^evs_/.test(process.env.AGENT_VAULT_SESSION_TOKEN), process.env.AGENT_VAULT_ADDR].join(' '))";
    const child = spawn(agentVault, ["vault", "run", "--vault", "payments", "--", process.execPath, "-e", script], {
      cwd: home,
      env: { PATH: process.env.PATH ?? "", HOME: home, XDG_CONFIG_HOME: home, ...TEST_STORE, AGENT_VAULT_ADDR: edge.addr },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    const [code] = (await once(child, "close")) as [number];
    assert.equal(code, 0);
    assert.equal(stdout.trim(), `payments true ${edge.addr}`);
  });

  it("reads AGENT_VAULT_VAULT and AGENT_VAULT_ADDR as agent-vault, after ours; edgevault never reads them", async () => {
    assert.match((await ok("vault agent list", { AGENT_VAULT_VAULT: "payments" })).stderr, /Using vault "payments" \(from AGENT_VAULT_VAULT\)/);
    assert.match(
      (await ok("vault agent list", { AGENT_VAULT_VAULT: "payments", EDGEVAULT_VAULT: "default" })).stderr,
      /Using vault "default" \(from EDGEVAULT_VAULT\)/,
    );
    // agent-vault goes where AGENT_VAULT_ADDR says (a closed port here) …
    const elsewhere = await agentVaultCli("vault list --json", { AGENT_VAULT_ADDR: "http://127.0.0.1:9" });
    assert.equal(elsewhere.code, 1, printed(elsewhere));
    assert.equal(JSON.parse(elsewhere.stderr).error, "edge_unreachable");
    assert.match(JSON.parse(elsewhere.stderr).message, /127\.0\.0\.1:9\b/);
    // … unless EDGEVAULT_ADDR is set; and edgevault never reads it: the saved login stays with its edge.
    await ok("vault list", { AGENT_VAULT_ADDR: "http://127.0.0.1:9", EDGEVAULT_ADDR: edge.addr });
    const edgevault = await runCli(["vault", "list"], { configHome: home, env: { AGENT_VAULT_ADDR: "http://127.0.0.1:9", AGENT_VAULT_VAULT: "payments" } });
    assert.equal(edgevault.code, 0, printed(edgevault));
    assert.ok(!printed(await runCli(["vault", "agent", "list"], { configHome: home, env: { AGENT_VAULT_VAULT: "payments" } })).includes("payments"));
  });
});
