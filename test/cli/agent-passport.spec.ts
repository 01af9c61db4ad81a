/**
 * `edgevault agent passport` against a real edge: a person grants, the agent's passport is issued
 * and printed once, verified, rotated and revoked; a passport to rotate or verify comes in on
 * stdin, never as an argument.
 */
import assert from "node:assert/strict";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { COMMANDS } from "../../cli/main.ts";
import { inviteUrlIn, redeem } from "./support/agent-invites.ts";
import { printed, runCli, tempConfigHome, type CliOptions, type CliResult } from "./support/cli.ts";
import { startEdge, type Edge, type TestCompany } from "./support/edge.ts";
import { assertHelpWithExamples } from "./support/help.ts";

const JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const claimsOf = (passport: string) => JSON.parse(Buffer.from(passport.split(".")[1] ?? "", "base64url").toString("utf8"));

describe("edgevault agent passport", () => {
  let edge: Edge;
  let company: TestCompany;
  let cli: (args: readonly string[], options?: Omit<CliOptions, "configHome">) => Promise<CliResult>;
  let agentToken: string;

  before(async () => {
    edge = await startEdge();
    company = await edge.createCompany();
    const home = await tempConfigHome();
    cli = (args, options = {}) => runCli(args, { configHome: home, ...options });
    const login = await cli(["login", "--addr", edge.addr, "--save-api-key"], { stdin: company.ownerKey });
    assert.equal(login.code, 0, printed(login));
    const invite = await cli(["agent", "invite", "mcp-agent"]);
    assert.equal(invite.code, 0, printed(invite));
    agentToken = (await redeem(inviteUrlIn(invite.stdout))).token;
  });
  after(async () => {
    await edge?.stop();
  });

  it("issue prints the passport alone on stdout; verify reads it from stdin and names the scope that covers a tool", async () => {
    const issued = await cli(["agent", "passport", "issue", "mcp-agent", "--scope", "tool:search", "--ttl", "15m"]);
    assert.equal(issued.code, 0, printed(issued));
    const passport = issued.stdout.trim();
    assert.match(passport, JWS);
    assert.deepEqual(claimsOf(passport).counsel.scopes, ["tool:search"]);
    assert.equal(claimsOf(passport).exp - claimsOf(passport).iat, 900);
    assert.match(issued.stderr, /jti [0-9a-f-]{36}/);

    const verified = await cli(["agent", "passport", "verify", "--tool", "search"], { stdin: passport });
    assert.equal(verified.code, 0, printed(verified));
    assert.match(verified.stdout, /^valid: agent "mcp-agent"/);
    assert.match(verified.stdout, /tool:search covered by tool:search/);
    const denied = await cli(["agent", "passport", "verify", "--tool", "delete"], { stdin: passport });
    assert.equal(denied.code, 1, printed(denied));
    assert.match(denied.stderr, /invalid: SCOPE_DENIED/);
  });

  it("rotate takes the current passport on stdin and prints its successor; revoke by jti; verify then says PASSPORT_REVOKED", async () => {
    const first = (await cli(["agent", "passport", "issue", "mcp-agent"])).stdout.trim();
    const rotated = await cli(["agent", "passport", "rotate", "mcp-agent", "--json"], { stdin: `${first}\n` });
    assert.equal(rotated.code, 0, printed(rotated));
    const answer = JSON.parse(rotated.stdout) as { passport: string; jti: string; rotatedFrom: string };
    assert.equal(answer.rotatedFrom, claimsOf(first).jti);
    const old = await cli(["agent", "passport", "verify"], { stdin: first });
    assert.equal(old.code, 1, printed(old));
    assert.match(old.stderr, /invalid: PASSPORT_REVOKED/);

    const revoked = await cli(["agent", "passport", "revoke", answer.jti, "--reason", "done with it"]);
    assert.equal(revoked.code, 0, printed(revoked));
    assert.match(revoked.stdout, new RegExp(`Revoked passport ${answer.jti}`));
    const status = await edge.call("GET", `/v1/ocsp/${answer.jti}`, company.ownerKey);
    assert.deepEqual(
      [status.status, (status.body as { status: string; reason: string }).status, (status.body as { reason: string }).reason],
      [200, "revoked", "done with it"],
    );
    assert.equal((await cli(["agent", "passport", "revoke", answer.jti])).code, 1);
  });

  it("grant sets what the agent may obtain for itself: within it the agent gets a passport, beyond it none", async () => {
    const grant = await cli(["agent", "passport", "grant", "mcp-agent", "--scope", "tool:search"]);
    assert.equal(grant.code, 0, printed(grant));
    assert.match(grant.stdout, /may obtain passports within: tool:search/);
    assert.match((await cli(["agent", "info", "mcp-agent"])).stdout, /^Passport scopes: +tool:search$/m);
    const ask = (scopes: string[]) => edge.call("POST", "/v1/agents/mcp-agent/passport", agentToken, { scopes });
    assert.equal((await ask(["tool:search"])).status, 201);
    assert.equal((await ask(["tool:*"])).status, 403);
    assert.equal((await cli(["agent", "passport", "grant", "mcp-agent", "--none"])).code, 0);
    assert.equal((await ask(["tool:search"])).status, 403);
    assert.equal((await cli(["agent", "passport", "grant", "mcp-agent"])).code, 2);
    assert.equal((await cli(["agent", "passport", "grant", "mcp-agent", "--scope", "Tool:*"])).code, 2);
  });

  it("every passport command documents itself with an example", async () => {
    const passportCommands = COMMANDS.filter((c) => c.path[0] === "agent" && c.path[1] === "passport");
    assert.deepEqual(passportCommands.map((c) => c.path[2]).sort(), ["grant", "issue", "revoke", "rotate", "verify"]);
    await assertHelpWithExamples(passportCommands);
  });
});
