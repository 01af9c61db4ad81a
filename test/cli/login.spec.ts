/**
 * login, whoami and logout against a real edge: what gets saved, where (keychain or file), what
 * is refused (an owner key nobody asked to save), and what wins.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { type AddressInfo, createServer } from "node:net";
import path from "node:path";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { login, logout, whoami } from "../../cli/commands/auth.ts";
import { printed, runCli, tempConfigHome } from "./support/cli.ts";
import { startEdge, type Edge, type TestCompany } from "./support/edge.ts";
import { assertHelpWithExamples } from "./support/help.ts";

const configFile = (home: string) => path.join(home, "edgevault", "config.json");

/**
 * A real keychain that cannot be reached: on Linux the OS keychain is the Secret Service, found
 * through the D-Bus session bus, and this points the bus at a socket that does not exist. So
 * the test does not depend on whether the machine running it has a Secret Service.
 */
const unreachableKeychain = (home: string) => ({ EDGEVAULT_CREDENTIAL_STORE: "auto", DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(home, "no-such-bus")}` });

async function writeConfig(home: string, config: Record<string, unknown>): Promise<void> {
  await mkdir(path.join(home, "edgevault"), { recursive: true, mode: 0o700 });
  await writeFile(configFile(home), JSON.stringify(config), { mode: 0o600 });
}

async function readConfig(home: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(configFile(home), "utf8")) as Record<string, unknown>;
}

/** A loopback address where nothing listens. */
async function deadAddr(): Promise<string> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no port");
  return `http://127.0.0.1:${address.port}`;
}

describe("edgevault login / whoami / logout", () => {
  let edge: Edge;
  let company: TestCompany;

  before(async () => {
    edge = await startEdge();
    company = await edge.createCompany();
  });
  after(async () => {
    await edge?.stop();
  });

  describe("an owner key is saved only when asked", () => {
    it("refuses a company API key without --save-api-key before sending it anywhere, and says what to do instead", async () => {
      const home = await tempConfigHome();
      // Nothing listens there: a key that was sent would fail with exit 1, not a usage error.
      const result = await runCli(["login", "--addr", await deadAddr()], { configHome: home, stdin: `${company.ownerKey}\n` });
      assert.equal(result.code, 2, printed(result));
      assert.match(result.stderr, /company API key, and login saves one only with --save-api-key/);
      assert.match(result.stderr, /Nothing was saved/);
      assert.match(result.stderr, /read -rs EDGEVAULT_API_KEY && export EDGEVAULT_API_KEY/);
      assert.match(result.stderr, /edgevault login --email /);
      assert.ok(!printed(result).includes(company.ownerKey), "the refused key is not echoed");
      await assert.rejects(stat(configFile(home)), { code: "ENOENT" });
    });

    it("treats a key of any other shape as a company key too, as the edge does", async () => {
      const home = await tempConfigHome();
      for (const key of ["my-own-dev-owner-key", `evz_abcd1234_${"A".repeat(43)}`]) {
        const result = await runCli(["login", "--addr", edge.addr], { configHome: home, stdin: key });
        assert.equal(result.code, 2, printed(result));
        assert.match(result.stderr, /--save-api-key/);
        assert.ok(!printed(result).includes(key), "the refused key is not echoed");
      }
      await assert.rejects(stat(configFile(home)), { code: "ENOENT" });
    });

    it("every command takes the key from EDGEVAULT_API_KEY, and nothing is saved", async () => {
      const home = await tempConfigHome();
      const env = { EDGEVAULT_ADDR: edge.addr, EDGEVAULT_API_KEY: company.ownerKey };
      const json = await runCli(["whoami", "--json"], { configHome: home, env });
      assert.equal(json.code, 0, printed(json));
      const me = JSON.parse(json.stdout) as { kind: string; token_store: string; token_file?: string };
      assert.deepEqual([me.kind, me.token_store, me.token_file], ["company_key", "EDGEVAULT_API_KEY", undefined]);
      const create = await runCli(["vault", "create", "from-env"], { configHome: home, env });
      assert.equal(create.code, 0, printed(create));
      const list = await runCli(["vault", "list", "--json"], { configHome: home, env });
      assert.equal(list.code, 0, printed(list));
      assert.match(list.stdout, /"from-env"/);
      await assert.rejects(stat(configFile(home)), { code: "ENOENT" });
    });

    it("--save-api-key goes with an API key, not with --email", async () => {
      const home = await tempConfigHome();
      const result = await runCli(["login", "--addr", edge.addr, "--email", "ada@example.com", "--save-api-key"], { configHome: home, stdin: "a password" });
      assert.equal(result.code, 2, printed(result));
      assert.match(result.stderr, /--save-api-key is for an API key; --email signs in as a user/);
    });
  });

  describe("login with an API key and --save-api-key", () => {
    it("reads the key from stdin, checks it with the edge, and whoami then uses it", async () => {
      const home = await tempConfigHome();
      const login = await runCli(["login", "--addr", edge.addr, "--save-api-key"], { configHome: home, stdin: `${company.ownerKey}\n` });
      assert.equal(login.code, 0, printed(login));
      assert.match(login.stdout, new RegExp(`Logged in to ${edge.addr} as company API key .*"${company.id}"`));

      const whoami = await runCli(["whoami"], { configHome: home });
      assert.equal(whoami.code, 0, printed(whoami));
      assert.match(whoami.stdout, new RegExp(`Company: +${company.id} `));
      assert.match(whoami.stdout, new RegExp(`Token: +saved in file ${configFile(home)}\n`));

      const json = await runCli(["whoami", "--json"], { configHome: home });
      const me = JSON.parse(json.stdout) as { kind: string; addr: string; company: { id: string }; token_store: string; token_file: string };
      assert.deepEqual([me.kind, me.addr, me.company.id, me.token_store, me.token_file], ["company_key", edge.addr, company.id, "file", configFile(home)]);

      for (const result of [login, whoami, json]) assert.ok(!printed(result).includes(company.ownerKey), "the key is never printed");
    });

    it("with EDGEVAULT_CREDENTIAL_STORE=file, saves the token in config.json with mode 0600, inside a 0700 directory", async () => {
      const home = await tempConfigHome();
      const login = await runCli(["login", "--addr", edge.addr, "--save-api-key"], { configHome: home, stdin: company.ownerKey });
      assert.equal(login.code, 0, printed(login));
      assert.match(login.stderr, new RegExp(`Token saved in file ${configFile(home)} \\(mode 0600\\): EDGEVAULT_CREDENTIAL_STORE=file\\.`));
      assert.equal((await stat(configFile(home))).mode & 0o777, 0o600);
      assert.equal((await stat(path.dirname(configFile(home)))).mode & 0o777, 0o700);
      assert.deepEqual(await readConfig(home), { addr: edge.addr, token: company.ownerKey, kind: "company_key" });
    });

    it("refuses a wrong key, exits 1 and saves nothing", async () => {
      const home = await tempConfigHome();
      const login = await runCli(["login", "--addr", edge.addr, "--save-api-key"], {
        configHome: home,
        stdin: "evk_wrongwrongwr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n",
      });
      assert.equal(login.code, 1, printed(login));
      assert.match(login.stderr, /did not accept that token.*nothing was saved/);
      await assert.rejects(stat(configFile(home)), { code: "ENOENT" });
    });

    it("keeps a working login when a later login uses a wrong key", async () => {
      const home = await tempConfigHome();
      assert.equal((await runCli(["login", "--addr", edge.addr, "--save-api-key"], { configHome: home, stdin: company.ownerKey })).code, 0);
      const wrong = await runCli(["login", "--addr", edge.addr, "--save-api-key"], { configHome: home, stdin: "not-a-key" });
      assert.equal(wrong.code, 1, printed(wrong));
      assert.equal((await readConfig(home)).token, company.ownerKey);
    });

    it("refuses an empty key and an http address that is not loopback", async () => {
      const home = await tempConfigHome();
      const empty = await runCli(["login", "--addr", edge.addr, "--save-api-key"], { configHome: home, stdin: "\n" });
      assert.equal(empty.code, 1, printed(empty));
      assert.match(empty.stderr, /Empty API key/);
      const plain = await runCli(["login", "--addr", "http://edgevault.example.com", "--save-api-key"], { configHome: home, stdin: company.ownerKey });
      assert.equal(plain.code, 2, printed(plain));
      assert.match(plain.stderr, /--addr must use https/);
      await assert.rejects(stat(configFile(home)), { code: "ENOENT" });
    });

    it("says how to log in when there is no token at all", async () => {
      const result = await runCli(["whoami"], { configHome: await tempConfigHome(), env: { EDGEVAULT_ADDR: edge.addr } });
      assert.equal(result.code, 1, printed(result));
      assert.match(result.stderr, /Not logged in: run `edgevault login` or set EDGEVAULT_API_KEY/);
    });
  });

  describe("the environment overrides the saved login", () => {
    it("EDGEVAULT_ADDR and EDGEVAULT_API_KEY win over config.json", async () => {
      const home = await tempConfigHome();
      await writeConfig(home, { addr: await deadAddr(), token: "saved-token-that-is-wrong", kind: "company_key" });

      const both = await runCli(["whoami"], { configHome: home, env: { EDGEVAULT_ADDR: edge.addr, EDGEVAULT_API_KEY: company.ownerKey } });
      assert.equal(both.code, 0, printed(both));
      assert.match(both.stdout, /Token: +from EDGEVAULT_API_KEY/);
      assert.match(both.stdout, new RegExp(`Edge: +${edge.addr}`));

      // Only the address from the environment: the saved (wrong) token is used and refused.
      const addrOnly = await runCli(["whoami"], { configHome: home, env: { EDGEVAULT_ADDR: edge.addr } });
      assert.equal(addrOnly.code, 1, printed(addrOnly));
      assert.match(addrOnly.stderr, /unauthorized, HTTP 401.*log in again/);

      // Nothing from the environment: the saved address, where nothing listens.
      const saved = await runCli(["whoami"], { configHome: home });
      assert.equal(saved.code, 1, printed(saved));
      assert.match(saved.stderr, /Cannot reach the edge at http:\/\/127\.0\.0\.1:\d+/);
    });

    it("an address that answers without the edge's JSON: a bare 5xx is worth trying again, anything else is the wrong address", async () => {
      // A stand-in for what may stand in front of an edge: wrangler dev's proxy while the Worker restarts, a web server.
      const answers = [
        { status: 503, type: "text/plain", body: "Your worker restarted mid-request. Please try sending the request again." },
        { status: 404, type: "text/html", body: "<html><body>Not Found</body></html>" },
      ];
      const standIn = createHttpServer((_request, response) => {
        const answer = answers.shift() ?? { status: 500, type: "text/plain", body: "no more answers" };
        response.writeHead(answer.status, { "content-type": answer.type }).end(answer.body);
      });
      standIn.listen(0, "127.0.0.1");
      await once(standIn, "listening");
      const addr = `http://127.0.0.1:${(standIn.address() as AddressInfo).port}`;
      try {
        const env = { EDGEVAULT_ADDR: addr, EDGEVAULT_API_KEY: "evk_anything" };
        const unavailable = await runCli(["whoami", "--json"], { configHome: await tempConfigHome(), env });
        assert.equal(unavailable.code, 1, printed(unavailable));
        const said = JSON.parse(unavailable.stderr) as { error: string; message: string };
        assert.equal(said.error, "edge_unavailable");
        assert.match(said.message, /answered HTTP 503 without an Edgevault error: .*Try again/);

        const elsewhere = await runCli(["whoami"], { configHome: await tempConfigHome(), env });
        assert.equal(elsewhere.code, 1, printed(elsewhere));
        assert.match(elsewhere.stderr, /answered HTTP 404, not an Edgevault response; is EDGEVAULT_ADDR \/ --addr right\?/);
      } finally {
        standIn.close();
      }
    });

    it("a wrong EDGEVAULT_API_KEY is reported as such", async () => {
      const result = await runCli(["whoami"], { configHome: await tempConfigHome(), env: { EDGEVAULT_ADDR: edge.addr, EDGEVAULT_API_KEY: "wrong" } });
      assert.equal(result.code, 1, printed(result));
      assert.match(result.stderr, /check EDGEVAULT_API_KEY/);
    });
  });

  describe("where the login is kept: the OS keychain, else the 0600 file", () => {
    it("without a usable keychain, login falls back to the file and says so; whoami says where", async () => {
      const user = await edge.createUser(company);
      const home = await tempConfigHome();
      const env = unreachableKeychain(home);
      const login = await runCli(["login", "--addr", edge.addr, "--email", user.email], { configHome: home, env, stdin: user.password });
      assert.equal(login.code, 0, printed(login));
      assert.match(login.stderr, new RegExp(`Token saved in file ${configFile(home)} \\(mode 0600\\): no usable OS keychain \\(.*no-such-bus`));
      const saved = await readConfig(home);
      assert.deepEqual([saved.kind, saved.token_store, typeof saved.token], ["user", undefined, "string"]);
      assert.equal((await stat(configFile(home))).mode & 0o777, 0o600);

      const json = await runCli(["whoami", "--json"], { configHome: home, env });
      assert.equal(json.code, 0, printed(json));
      const me = JSON.parse(json.stdout) as { email: string; token_store: string; token_file: string };
      assert.deepEqual([me.email, me.token_store, me.token_file], [user.email, "file", configFile(home)]);
      assert.ok(!printed(login).includes(String(saved.token)), "the token is never printed");
    });

    it("a login kept in a keychain that cannot be read now is an error to act on, not a crash", async () => {
      const home = await tempConfigHome();
      await writeConfig(home, { addr: edge.addr, kind: "company_key", token_store: "keychain" });
      const whoami = await runCli(["whoami"], { configHome: home, env: unreachableKeychain(home) });
      assert.equal(whoami.code, 1, printed(whoami));
      assert.match(whoami.stderr, /^error: The saved login is in the OS keychain, which cannot be read now \(.+\); log in again, or set EDGEVAULT_API_KEY\n$/);

      // EDGEVAULT_API_KEY wins without the keychain being asked at all.
      const fromEnv = await runCli(["whoami"], { configHome: home, env: { ...unreachableKeychain(home), EDGEVAULT_API_KEY: company.ownerKey } });
      assert.equal(fromEnv.code, 0, printed(fromEnv));
      assert.match(fromEnv.stdout, /Token: +from EDGEVAULT_API_KEY/);
    });

    it("logging in to the file again, or logging out, drops the keychain login from config.json and says if the keychain could not be cleaned", async () => {
      const home = await tempConfigHome();
      const env = unreachableKeychain(home);
      await writeConfig(home, { addr: edge.addr, kind: "company_key", token_store: "keychain" });
      const logout = await runCli(["logout"], { configHome: home, env });
      assert.equal(logout.code, 1, printed(logout));
      assert.match(
        logout.stderr,
        /Removed the saved login, but could not remove the token from the OS keychain \(.+\); if it is still there, delete the "edgevault" item/,
      );
      assert.deepEqual(await readConfig(home), { addr: edge.addr });

      await writeConfig(home, { addr: edge.addr, kind: "company_key", token_store: "keychain" });
      const login = await runCli(["login", "--save-api-key"], { configHome: home, env, stdin: company.ownerKey });
      assert.equal(login.code, 0, printed(login));
      assert.match(login.stderr, /Token saved in file /);
      assert.match(login.stderr, /warning: could not remove the previous login from the OS keychain/);
      assert.deepEqual(await readConfig(home), { addr: edge.addr, token: company.ownerKey, kind: "company_key" });
    });

    it("refuses an EDGEVAULT_CREDENTIAL_STORE it does not know, without saving", async () => {
      const home = await tempConfigHome();
      const result = await runCli(["login", "--addr", edge.addr, "--save-api-key"], {
        configHome: home,
        env: { EDGEVAULT_CREDENTIAL_STORE: "plaintext" },
        stdin: company.ownerKey,
      });
      assert.equal(result.code, 2, printed(result));
      assert.match(result.stderr, /EDGEVAULT_CREDENTIAL_STORE must be "auto" or "file"/);
      await assert.rejects(stat(configFile(home)), { code: "ENOENT" });
    });
  });

  describe("logout", () => {
    it("removes a saved API key and keeps the address", async () => {
      const home = await tempConfigHome();
      assert.equal((await runCli(["login", "--addr", edge.addr, "--save-api-key"], { configHome: home, stdin: company.ownerKey })).code, 0);
      const logout = await runCli(["logout"], { configHome: home });
      assert.equal(logout.code, 0, printed(logout));
      assert.deepEqual(await readConfig(home), { addr: edge.addr });
      const whoami = await runCli(["whoami"], { configHome: home });
      assert.equal(whoami.code, 1, printed(whoami));
      assert.match(whoami.stderr, /Not logged in/);
    });

    it("signs a user in with --email and the password on stdin, and revokes the session on logout", async () => {
      const user = await edge.createUser(company);
      const home = await tempConfigHome();
      const wrong = await runCli(["login", "--addr", edge.addr, "--email", user.email], { configHome: home, stdin: "wrong password\n" });
      assert.equal(wrong.code, 1, printed(wrong));
      assert.match(wrong.stderr, /Wrong email or password \(invalid_credentials, HTTP 401\)/);

      const login = await runCli(["login", "--addr", edge.addr, "--email", user.email], { configHome: home, stdin: `${user.password}\n` });
      assert.equal(login.code, 0, printed(login));
      assert.match(login.stdout, new RegExp(`as ${user.email} \\(member of company "${company.id}"\\)`));
      const saved = await readConfig(home);
      assert.equal(saved.kind, "user");
      const token = String(saved.token);
      assert.ok(!printed(login).includes(token) && !printed(login).includes(user.password));

      const logout = await runCli(["logout"], { configHome: home });
      assert.equal(logout.code, 0, printed(logout));
      assert.match(logout.stdout, /session is revoked/);
      assert.equal((await edge.call("GET", "/v1/whoami", token)).status, 401);
    });
  });

  it("login, logout and whoami have --help with a usage line and an example without placeholders", async () => {
    await assertHelpWithExamples([login, logout, whoami]);
  });
});
