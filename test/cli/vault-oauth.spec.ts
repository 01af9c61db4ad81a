/**
 * `edgevault vault service add --auth oauth:…` and `edgevault vault oauth connect|providers`
 * against a real edge and a real authorization server (test/support/authorization-server.ts:
 * PKCE required, refresh tokens rotated): `connect` prints the page to open and waits; a person
 * opens it in a browser (here the same HTTP a browser sends, through the provider's own login and
 * consent pages: test/support/authorization-consent.ts) and the command ends "connected" once the
 * callback stored the refresh token, after which an agent's call goes through. The client secret
 * goes in on stdin and comes out of no command.
 */
import assert from "node:assert/strict";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { COMMANDS } from "../../cli/main.ts";
import { createHash } from "node:crypto";
import { consentThrough } from "../support/authorization-consent.ts";
import { type AuthorizationServer, startAuthorizationServer } from "../support/authorization-server.ts";
import { printed, runCli, tempConfigHome, type CliOptions, type CliResult } from "./support/cli.ts";
import { spawnCli } from "./support/cli-child.ts";
import { startEdge, type Edge, type TestCompany, type TestUser } from "./support/edge.ts";
import { assertHelpWithExamples } from "./support/help.ts";
import { startRecordingUpstream, type RecordingUpstream } from "../e2e/support/upstream.ts";

describe("edgevault vault oauth", () => {
  let edge: Edge;
  let provider: AuthorizationServer;
  let upstream: RecordingUpstream;
  let company: TestCompany;
  let admin: TestUser;
  let home: string;
  let client: { client_id: string; client_secret?: string };
  const vault = "oauth-cli";
  const host = `oauth-cli-${Date.now().toString(36)}.example.com`;
  const results: CliResult[] = [];
  const cli = async (args: readonly string[], options: Omit<CliOptions, "configHome"> = {}) => {
    const result = await runCli(args, { configHome: home, ...options });
    results.push(result);
    return result;
  };

  /** The CSRF token the console's forms carry for a session (workers/auth/csrf.ts: base64url SHA-256 of a prefix and the session token). */
  const csrfTokenFor = async (sessionToken: string) => createHash("sha256").update(`edgevault:csrf:${sessionToken}`).digest("base64url");

  /** What a person's browser does with the printed page: sign in, Continue, the provider's pages, back to the callback. */
  async function connectInBrowser(page: string): Promise<number> {
    const signIn = await fetch(`${edge.addr}/sign-in`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: edge.addr },
      body: new URLSearchParams({ email: admin.email, password: admin.password, next: "/inbox" }),
    });
    const session = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const csrf = await csrfTokenFor(session.slice(session.indexOf("=") + 1));
    const shown = await fetch(page, { headers: { Cookie: session } });
    assert.equal(shown.status, 200);
    const went = await fetch(page, {
      method: "POST",
      headers: { Cookie: session, Origin: edge.addr, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf }),
    });
    const binding = /ev_oauth_connect=([^;]+)/.exec(went.headers.get("set-cookie") ?? "")?.[1] ?? "";
    const link = /id="go-to-provider" href="([^"]+)"/.exec(await went.text())?.[1]?.replaceAll("&amp;", "&") ?? "";
    const back = new URL(await consentThrough(link, { account: "grace@acme.example" }));
    const done = await fetch(`${edge.addr}${back.pathname}${back.search}`, { headers: { Cookie: `ev_oauth_connect=${binding}` } });
    return done.status;
  }

  before(async () => {
    [edge, provider, upstream] = await Promise.all([startEdge(), startAuthorizationServer(), startRecordingUpstream()]);
    company = await edge.createCompany();
    admin = await edge.createUser(company, "owner");
    home = await tempConfigHome();
    const login = await cli(["login", "--addr", edge.addr, "--save-api-key"], { stdin: company.ownerKey });
    assert.equal(login.code, 0, printed(login));
    assert.equal((await cli(["vault", "create", vault])).code, 0);
    client = await provider.registerClient({
      redirect_uris: [`${edge.addr}/oauth/callback`],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_post",
      scope: "openid offline_access read",
    });
  });
  after(async () => {
    await Promise.all([edge?.stop(), provider?.close(), upstream?.close()]);
    for (const result of results) assert.ok(!printed(result).includes(client.client_secret ?? "unset"), "the client secret was printed");
  });

  it("service add --auth oauth makes the service; connect prints the page, waits, and ends connected; the agent's call then carries the access token", async () => {
    const added = await cli([
      "vault",
      "service",
      "add",
      "crm",
      "--host",
      host,
      "--upstream",
      upstream.origin,
      "--auth",
      "oauth:CRM_CLIENT_SECRET:CRM_REFRESH_TOKEN",
      `--client-id=${client.client_id}`,
      "--token-endpoint",
      provider.tokenEndpoint,
      "--oauth-scope",
      "openid",
      "--oauth-scope",
      "offline_access",
      "--oauth-scope",
      "read",
      "--vault",
      vault,
    ]);
    assert.equal(added.code, 0, printed(added));
    assert.match(added.stdout, /oauth refresh token CRM_REFRESH_TOKEN at 127\.0\.0\.1:\d+/);

    const child = spawnCli(["vault", "oauth", "connect", "crm", "--client-secret", "--vault", vault], { configHome: home, stdinOpen: true });
    child.finishInput(client.client_secret ?? "");
    const page = await child.stdoutMatching(/https?:\/\/\S+\/vaults\/oauth-cli\/oauth\/oac_\S+/);
    await child.stderrMatching(/Waiting for the connect/);
    assert.equal(await connectInBrowser(page), 200);
    const done = await child.result;
    results.push(done);
    assert.equal(done.code, 0, printed(done));
    assert.match(done.stderr, /for service crm in vault oauth-cli: connected/);
    assert.match(done.stderr, /redirect URI .*\/oauth\/callback/);

    const invite = await edge.call("POST", "/v1/agents/invites", company.ownerKey, { name: "crm-cli-agent", vaults: [{ vault, role: "proxy" }] });
    const redeemed = await edge.call("POST", new URL(String((invite.body as { invite_url: string }).invite_url)).pathname);
    const token = String((redeemed.body as { token: string }).token);
    const proxied = await fetch(`${edge.addr}/proxy/${host}/deals`, { headers: { Authorization: `Bearer ${token}`, "X-Vault": vault } });
    assert.equal(proxied.status, 200);
    const sent = String(upstream.requests.at(-1)?.headers.authorization ?? "");
    assert.ok(provider.issuedTokens().some((t) => t.access_token && `Bearer ${t.access_token}` === sent));
  });

  it("connect ends non-zero when the provider refuses, saying why", async () => {
    const child = spawnCli(["vault", "oauth", "connect", "crm", "--vault", vault], { configHome: home });
    const page = await child.stdoutMatching(/https?:\/\/\S+\/oauth\/oac_\S+/);
    await child.stderrMatching(/Waiting for the connect/);
    // The person cancels at the provider.
    const signIn = await fetch(`${edge.addr}/sign-in`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Origin: edge.addr },
      body: new URLSearchParams({ email: admin.email, password: admin.password, next: "/inbox" }),
    });
    const session = (signIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const went = await fetch(page, {
      method: "POST",
      headers: { Cookie: session, Origin: edge.addr, "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ csrf: await csrfTokenFor(session.slice(session.indexOf("=") + 1)) }),
    });
    const binding = /ev_oauth_connect=([^;]+)/.exec(went.headers.get("set-cookie") ?? "")?.[1] ?? "";
    const link = /id="go-to-provider" href="([^"]+)"/.exec(await went.text())?.[1]?.replaceAll("&amp;", "&") ?? "";
    const back = new URL(await consentThrough(link, { account: "grace@acme.example", deny: true }));
    await fetch(`${edge.addr}${back.pathname}${back.search}`, { headers: { Cookie: `ev_oauth_connect=${binding}` } });
    const done = await child.result;
    results.push(done);
    assert.equal(done.code, 1, printed(done));
    assert.match(done.stderr, /failed \(access_denied\)/);
  });

  it("providers lists the catalog; bad flags are refused before anything is sent; every command has help with an example", async () => {
    const listed = await cli(["vault", "oauth", "providers"]);
    assert.equal(listed.code, 0, printed(listed));
    for (const name of ["GitHub", "Google", "Microsoft Entra", "Slack", "Atlassian", "Salesforce", "HubSpot"]) assert.ok(listed.stdout.includes(name), name);
    const noClient = await cli([
      "vault",
      "service",
      "add",
      "x",
      "--host",
      "api.x.example",
      "--auth",
      "oauth:X_SECRET",
      "--provider",
      "github",
      "--vault",
      vault,
    ]);
    assert.equal(noClient.code, 2, printed(noClient));
    assert.match(noClient.stderr, /--client-id/);
    const twoProviders = await cli(["vault", "oauth", "connect", "crm", "--provider", "github", "--discovery-url", "https://login.example", "--vault", vault]);
    assert.equal(twoProviders.code, 2, printed(twoProviders));
    await assertHelpWithExamples(COMMANDS.filter((c) => c.path[0] === "vault" && c.path[1] === "oauth"));
  });
});
