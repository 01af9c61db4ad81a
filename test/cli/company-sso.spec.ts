/**
 * `edgevault company sso set|show|remove` against a real edge and a real OpenID provider
 * (test/support/authorization-server.ts, started here; the edge reaches it on loopback, as dev
 * allows): the redirect URI is printed before anything is set, the client secret goes in on stdin
 * and comes out of no command, `set` replaces the whole setting and `--keep-secret` keeps the
 * stored secret, bad flags are refused before anything is read, and a member's login is refused.
 */
import assert from "node:assert/strict";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { COMMANDS } from "../../cli/main.ts";
import { type AuthorizationServer, startAuthorizationServer } from "../support/authorization-server.ts";
import { printed, runCli, tempConfigHome, type CliOptions, type CliResult } from "./support/cli.ts";
import { startEdge, type Edge, type TestCompany } from "./support/edge.ts";
import { assertHelpWithExamples } from "./support/help.ts";

describe("edgevault company sso", () => {
  let edge: Edge;
  let provider: AuthorizationServer;
  let company: TestCompany;
  let home: string;
  let client: { client_id: string; client_secret?: string };
  /** Its own domain: the edge is shared by the run's files, and a domain belongs to one company. */
  const domain = `cli-${Date.now().toString(36)}.example`;
  const results: CliResult[] = [];
  const cli = async (args: readonly string[], options: Omit<CliOptions, "configHome"> = {}) => {
    const result = await runCli(args, { configHome: home, ...options });
    results.push(result);
    return result;
  };

  before(async () => {
    [edge, provider] = await Promise.all([startEdge(), startAuthorizationServer()]);
    company = await edge.createCompany();
    home = await tempConfigHome();
    const login = await cli(["login", "--addr", edge.addr, "--save-api-key"], { stdin: company.ownerKey });
    assert.equal(login.code, 0, printed(login));
    client = await provider.registerClient({
      redirect_uris: [`${edge.addr}/sign-in/sso/callback`],
      grant_types: ["authorization_code"],
      response_types: ["code"],
    });
  });
  after(async () => {
    await Promise.all([edge?.stop(), provider?.close()]);
    // The client secret went in on stdin and came out of no command.
    for (const result of results) assert.ok(!printed(result).includes(client.client_secret ?? "unset"), "the client secret was printed");
  });

  it("show prints the redirect URI to register before anything is set", async () => {
    const shown = await cli(["company", "sso", "show"]);
    assert.equal(shown.code, 0, printed(shown));
    assert.match(shown.stdout, new RegExp(`Redirect URI to register at the provider: ${edge.addr}/sign-in/sso/callback`));
    assert.match(shown.stdout, /No single sign-on is set: people sign in with a password\./);
  });

  it("set reads the secret from stdin, replaces the whole setting, and keep-secret keeps the stored one", async () => {
    const set = await cli(
      [
        "company",
        "sso",
        "set",
        "--issuer",
        provider.issuer,
        `--client-id=${client.client_id}`,
        "--domain",
        domain,
        "--scope",
        "groups",
        "--group-role",
        "edgevault-owners=owner",
        "--password-sign-in",
        "off",
      ],
      { stdin: `${client.client_secret}\n` },
    );
    assert.equal(set.code, 0, printed(set));
    assert.match(set.stdout, new RegExp(`^Issuer: +${provider.issuer}$`, "m"));
    assert.match(set.stdout, new RegExp(`^Domains: +${domain.replaceAll(".", "\\.")}$`, "m"));
    assert.match(set.stdout, /^Group roles: +edgevault-owners=owner \(claim "groups"\)$/m);
    assert.match(set.stdout, /^Password sign-in: off \(an API key is the owners' way back\)$/m);
    assert.match(set.stdout, new RegExp(`^Sign-in link: +${edge.addr}/sign-in/sso\\?company=${company.id}$`, "m"));

    const kept = await cli(["company", "sso", "set", "--issuer", provider.issuer, `--client-id=${client.client_id}`, "--keep-secret", "--json"]);
    assert.equal(kept.code, 0, printed(kept));
    const answer = JSON.parse(kept.stdout) as { sso: { domains: string[]; password_sign_in: boolean; client_secret: string } };
    // Replaced: what was not said again is gone, and passwords are back on.
    assert.deepEqual([answer.sso.domains, answer.sso.password_sign_in, answer.sso.client_secret], [[], true, "set"]);

    const other = await provider.registerClient({
      redirect_uris: [`${edge.addr}/sign-in/sso/callback`],
      grant_types: ["authorization_code"],
      response_types: ["code"],
    });
    const refused = await cli(["company", "sso", "set", "--issuer", provider.issuer, `--client-id=${other.client_id}`, "--keep-secret"]);
    assert.equal(refused.code, 1, printed(refused));
    assert.match(refused.stderr, /\(sso_secret_required, HTTP 400\)/);
  });

  it("refuses a malformed group role or domain before reading any secret", async () => {
    for (const [flag, value, message] of [
      ["--group-role", "admins=root", /--group-role: must be group=role, the role owner or member/],
      ["--domain", "not a domain", /--domain: .*must be a domain such as acme\.example/],
    ] as const) {
      const bad = await cli(["company", "sso", "set", "--issuer", provider.issuer, `--client-id=${client.client_id}`, flag, value], { stdin: "never read" });
      assert.equal(bad.code, 2, printed(bad));
      assert.match(bad.stderr, message);
    }
  });

  it("remove asks for --yes without a terminal, then removes; a member's login is refused", async () => {
    const unconfirmed = await cli(["company", "sso", "remove"]);
    assert.equal(unconfirmed.code, 2, printed(unconfirmed));
    const removed = await cli(["company", "sso", "remove", "--yes"]);
    assert.equal(removed.code, 0, printed(removed));
    assert.equal(removed.stdout, "Single sign-on removed: people sign in with a password again.\n");
    const shown = await cli(["company", "sso", "show", "--json"]);
    assert.equal((JSON.parse(shown.stdout) as { sso: unknown }).sso, null);

    const member = await edge.createUser(company, "member");
    const memberHome = await tempConfigHome();
    const login = await runCli(["login", "--addr", edge.addr, "--email", member.email], { configHome: memberHome, stdin: member.password });
    assert.equal(login.code, 0, printed(login));
    const denied = await runCli(["company", "sso", "show"], { configHome: memberHome });
    assert.equal(denied.code, 1, printed(denied));
    assert.match(denied.stderr, /\(forbidden, HTTP 403\)/);
  });

  it("every company sso command has help with an example", async () => {
    await assertHelpWithExamples(COMMANDS.filter((c) => c.path[0] === "company"));
  });
});
