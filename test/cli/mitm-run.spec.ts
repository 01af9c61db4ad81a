/**
 * `edgevault vault run`: a session for the child, the listener on a free port, the environment
 * seed 000 lists, exit codes and signals passed through, and the session revoked afterwards.
 * The clients in the child find the proxy and the CA through that environment alone.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFile, writeFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { COMMANDS } from "../../cli/main.ts";
import { printed, runCli, tempConfigHome, type CliOptions, type CliResult } from "./support/cli.ts";
import { ROOT, startEdge, type Edge, type TestCompany } from "./support/edge.ts";
import { createServiceVault, startTlsServer, startUpstream, type ServiceVault, type TlsServer, type Upstream } from "./support/mitm.ts";
import { assertHelpWithExamples } from "./support/help.ts";

const SERVICE_HOST = "api.run.test";
const PRINT_ENV = "process.stdout.write(JSON.stringify(process.env))";

describe("edgevault vault run", { timeout: 120_000 }, () => {
  let edge: Edge;
  let company: TestCompany;
  let upstream: Upstream;
  let realServer: TlsServer;
  let work: ServiceVault;
  let home: string;
  let caPem: string;
  let cli: (args: readonly string[], options?: Omit<CliOptions, "configHome">) => Promise<CliResult>;

  before(async () => {
    [edge, upstream, realServer] = await Promise.all([startEdge(), startUpstream(), startTlsServer()]);
    company = await edge.createCompany();
    work = await createServiceVault(edge.call, company.ownerKey, { vault: "work", host: SERVICE_HOST, upstreamOrigin: upstream.origin });
    home = await tempConfigHome();
    cli = (args, options = {}) => runCli(args, { configHome: home, ...options });
    const login = await cli(["login", "--addr", edge.addr, "--save-api-key"], { stdin: company.ownerKey });
    assert.equal(login.code, 0, printed(login));
  });
  after(async () => {
    await Promise.all([edge?.stop(), upstream?.close(), realServer?.close()]);
  });

  /** Active sessions of the vault; `vault run` must leave none behind. */
  const activeSessions = async () => {
    const res = await edge.call("GET", "/v1/sessions?vault=work", company.ownerKey);
    assert.equal(res.status, 200);
    return (res.body as { sessions: { label: string }[] }).sessions;
  };

  it("runs the command with every variable seed 000 lists, then revokes the session", async () => {
    const result = await cli(["vault", "run", "--vault", "work", "--", process.execPath, "-e", PRINT_ENV], {
      env: { EDGEVAULT_API_KEY: company.ownerKey, https_proxy: "http://stale.example:3128", KEEP_ME: "1" },
    });
    assert.equal(result.code, 0, printed(result));
    const env = JSON.parse(result.stdout) as Record<string, string>;
    caPem = await readFile(path.join(home, "edgevault", "ca", "ca.pem"), "utf8");

    const token = env.AGENT_VAULT_SESSION_TOKEN ?? "";
    assert.match(token, /^evs_/);
    const proxyUrl = new URL(env.HTTPS_PROXY ?? "");
    assert.equal(proxyUrl.protocol, "http:");
    assert.equal(proxyUrl.hostname, "127.0.0.1");
    assert.ok(Number(proxyUrl.port) > 0);
    assert.equal(env.HTTPS_PROXY, `http://${token}:work@127.0.0.1:${proxyUrl.port}`);
    for (const name of ["HTTP_PROXY", "https_proxy", "http_proxy"]) assert.equal(env[name], env.HTTPS_PROXY, name);
    assert.equal(env.NO_PROXY, "localhost,127.0.0.1");
    assert.equal(env.no_proxy, "localhost,127.0.0.1");
    assert.equal(env.NODE_USE_ENV_PROXY, "1");
    assert.match(env.NODE_OPTIONS ?? "", /^--import=file:\/\/\S+\/node-proxy\/preload\.js$/, "Node's fetch and https honour the proxy on Node 20 too");
    assert.equal(env.NODE_EXTRA_CA_CERTS, path.join(home, "edgevault", "ca", "ca.pem"));
    for (const name of ["SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO", "DENO_CERT"]) {
      const file = env[name];
      assert.ok(file, `${name} is set`);
      assert.ok((await readFile(file, "utf8")).includes(caPem.trim()), `${name} holds the local root CA`);
    }
    assert.equal(env.AGENT_VAULT_ADDR, edge.addr);
    assert.equal(env.AGENT_VAULT_VAULT, "work");
    assert.equal(env.EDGEVAULT_API_KEY, undefined, "the user's own key never reaches the child");
    assert.ok(!JSON.stringify(env).includes(company.ownerKey), "nor does it under any other name");
    assert.equal(env.KEEP_ME, "1", "the rest of the parent's environment is inherited");

    assert.match(result.stderr, new RegExp(`running node with a 1d session for vault "work", through the local proxy on 127\\.0\\.0\\.1:${proxyUrl.port}`));
    assert.equal(result.stderr.split("\n").filter(Boolean).length, 1, `one progress line: ${result.stderr}`);
    assert.ok(!result.stderr.includes(token), "the token is printed nowhere but in the child's environment");
    assert.equal((await edge.call("GET", "/v1/whoami", token)).status, 401, "the session is revoked");
    assert.equal((await activeSessions()).length, 0);
  });

  describe("the child gets its session and nothing of the operator's login", () => {
    it("no EDGEVAULT_* variable of the parent, in any case, reaches the child; AGENT_VAULT_* say where to go", async () => {
      const parent = {
        EDGEVAULT_API_KEY: company.ownerKey,
        EDGEVAULT_DEV_OWNER_KEY: `dev-${company.ownerKey}`,
        edgevault_api_key: `lower-${company.ownerKey}`,
        EDGEVAULT_ADDR: edge.addr,
        EDGEVAULT_VAULT: "work",
      };
      const result = await cli(["vault", "run", "--", process.execPath, "-e", PRINT_ENV], { env: parent });
      assert.equal(result.code, 0, printed(result));
      const env = JSON.parse(result.stdout) as Record<string, string>;
      assert.deepEqual(
        Object.keys(env).filter((name) => name.toUpperCase().startsWith("EDGEVAULT_")),
        [],
      );
      assert.ok(!JSON.stringify(env).includes(company.ownerKey), "the operator's key is nowhere in the child's environment");
      assert.match(env.AGENT_VAULT_SESSION_TOKEN ?? "", /^evs_/);
      assert.deepEqual([env.AGENT_VAULT_ADDR, env.AGENT_VAULT_VAULT], [edge.addr, "work"]);
    });

    it("a person's saved login stays with the CLI: the child holds only the session, which works", async () => {
      const user = await edge.createUser(company);
      assert.equal((await edge.call("POST", "/v1/vaults/work/users", company.ownerKey, { email: user.email, role: "member" })).status, 200);
      const userHome = await tempConfigHome();
      const login = await runCli(["login", "--addr", edge.addr, "--email", user.email], { configHome: userHome, stdin: user.password });
      assert.equal(login.code, 0, printed(login));
      const userToken = String((JSON.parse(await readFile(path.join(userHome, "edgevault", "config.json"), "utf8")) as { token?: unknown }).token);
      assert.match(userToken, /^evu_/);

      // The child proves the session works while it runs, then prints its environment.
      const script = `fetch(process.env.AGENT_VAULT_ADDR + "/v1/whoami", { headers: { authorization: "Bearer " + process.env.AGENT_VAULT_SESSION_TOKEN } })
        .then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, me: await r.json(), env: process.env })))`;
      const result = await runCli(["vault", "run", "--vault", "work", "--", process.execPath, "-e", script], { configHome: userHome });
      assert.equal(result.code, 0, printed(result));
      const seen = JSON.parse(result.stdout) as { status: number; me: { kind: string }; env: Record<string, string> };
      assert.deepEqual([seen.status, seen.me.kind], [200, "vault_session"]);
      assert.ok(!JSON.stringify(seen.env).includes(userToken), "the operator's token is nowhere in the child's environment");
      assert.ok(!printed(result).includes(userToken));
      assert.match(seen.env.AGENT_VAULT_SESSION_TOKEN ?? "", /^evs_/);
      assert.equal((await edge.call("GET", "/v1/whoami", userToken)).status, 200, "the operator's login is untouched");
    });
  });

  it("curl in the child reaches a service host with the credential injected at the edge", async () => {
    const result = await cli(["vault", "run", "--vault", "work", "--", "curl", "-sS", "--fail-with-body", `https://${SERVICE_HOST}/v1/run?from=curl`]);
    assert.equal(result.code, 0, printed(result));
    assert.deepEqual(JSON.parse(result.stdout), { upstream: true, method: "GET", url: "/v1/run?from=curl", bytes: 0 });
    const got = upstream.received.at(-1);
    assert.equal(got?.headers.authorization, `Bearer ${work.credential}`);
    assert.ok(!JSON.stringify(got?.rawHeaders).includes("evs_"), "no session token reaches the upstream");
  });

  it("python3 urllib in the child finds the proxy and the CA through the environment alone", async () => {
    const script = "import urllib.request; print(urllib.request.urlopen('https://api.run.test/py', timeout=30).read().decode())";
    const result = await cli(["vault", "run", "--vault", "work", "--", "python3", "-c", script]);
    assert.equal(result.code, 0, printed(result));
    assert.equal((JSON.parse(result.stdout) as { url: string }).url, "/py");
    assert.equal(upstream.received.at(-1)?.headers.authorization, `Bearer ${work.credential}`);
  });

  it("curl in the child reaches a host without a service directly, with that host's own certificate", async () => {
    const certFile = path.join(home, "real-server.pem");
    await writeFile(certFile, realServer.certPem);
    const result = await cli([
      "vault",
      "run",
      "--vault",
      "work",
      "--",
      "curl",
      "-sS",
      "--fail-with-body",
      "--cacert",
      certFile,
      `https://${realServer.host}:${realServer.port}/direct`,
    ]);
    assert.equal(result.code, 0, printed(result));
    assert.equal(result.stdout, "hello from the real server\n");
    assert.equal(realServer.received.at(-1)?.url, "/direct");
  });

  describe("the local proxy listens on seed 000's port, 14322, unless another process holds it", () => {
    const PRINT_PROXY_PORT = "process.stdout.write(new URL(process.env.HTTPS_PROXY).port)";
    /** A loopback port held by this test until `close`. */
    const holdPort = async (port = 0) => {
      const server = net.createServer().listen(port, "127.0.0.1");
      await once(server, "listening");
      return { port: (server.address() as net.AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
    };

    it("without --port: 14322, or, when something else holds 14322, another port and the progress line says so", async () => {
      const result = await cli(["vault", "run", "--vault", "work", "--", process.execPath, "-e", PRINT_PROXY_PORT]);
      assert.equal(result.code, 0, printed(result));
      // Other suites (and other people's) may hold 14322 at this moment: then the fallback must be announced.
      if (result.stdout === "14322") assert.match(result.stderr, /on 127\.0\.0\.1:14322…/);
      else assert.match(result.stderr, new RegExp(`on 127\\.0\\.0\\.1:${result.stdout} \\(14322 is taken\\)…`));
    });

    it("--port: that port when it is free", async () => {
      const free = await holdPort();
      await free.close();
      const result = await cli(["vault", "run", "--vault", "work", "--port", String(free.port), "--", process.execPath, "-e", PRINT_PROXY_PORT]);
      assert.equal(result.code, 0, printed(result));
      assert.equal(result.stdout, String(free.port));
      assert.doesNotMatch(result.stderr, /is taken/);
    });

    it("a taken port: a free one instead, said on the one progress line; the command still runs", async () => {
      const taken = await holdPort();
      try {
        const result = await cli(["vault", "run", "--vault", "work", "--port", String(taken.port), "--", process.execPath, "-e", PRINT_PROXY_PORT]);
        assert.equal(result.code, 0, printed(result));
        assert.notEqual(result.stdout, String(taken.port));
        assert.ok(Number(result.stdout) > 0);
        assert.match(result.stderr, new RegExp(`on 127\\.0\\.0\\.1:${result.stdout} \\(${taken.port} is taken\\)…`));
        assert.equal(result.stderr.split("\n").filter(Boolean).length, 1, result.stderr);
      } finally {
        await taken.close();
      }
    });
  });

  it("exits with the command's exit code, 128+n when signal n killed it, 127 when it does not exist", async () => {
    const exited = await cli(["vault", "run", "--vault", "work", "--", "sh", "-c", "exit 7"]);
    assert.equal(exited.code, 7, printed(exited));
    const killed = await cli(["vault", "run", "--vault", "work", "--", "sh", "-c", "kill -TERM $$"]);
    assert.equal(killed.code, 143, printed(killed));
    const missing = await cli(["vault", "run", "--vault", "work", "--", "no-such-command-edgevault"]);
    assert.equal(missing.code, 127, printed(missing));
    assert.match(missing.stderr, /cannot run "no-such-command-edgevault": command not found/);
    assert.equal((await activeSessions()).length, 0, "every session was revoked, the failed start's too");
  });

  it("passes SIGTERM to the command and revokes the session after it exits", async () => {
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, "cli", "bin", "edgevault.js"),
        "vault",
        "run",
        "--vault",
        "work",
        "--",
        process.execPath,
        "-e",
        'process.on("SIGTERM", () => process.exit(42)); console.log(process.env.AGENT_VAULT_SESSION_TOKEN); setInterval(() => {}, 1000);',
      ],
      { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: home, XDG_CONFIG_HOME: home }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    const token = await new Promise<string>((resolve) => {
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString("utf8");
        if (stdout.includes("\n")) resolve(stdout.trim());
      });
    });
    assert.equal((await edge.call("GET", "/v1/whoami", token)).status, 200, "the session works while the command runs");
    const exited = once(child, "exit");
    child.kill("SIGTERM");
    const [code] = (await exited) as [number | null];
    assert.equal(code, 42);
    assert.equal((await edge.call("GET", "/v1/whoami", token)).status, 401);
  });

  it("every proxy command has --help with a usage line and an example without placeholders", async () => {
    const commands = COMMANDS.filter((c) => c.path[0] === "proxy" || c.path[0] === "ca" || c.path.join(" ") === "vault run");
    assert.equal(commands.length, 5);
    await assertHelpWithExamples(commands);
  });

  it("refuses a command line without -- or with a bad vault name before minting anything", async () => {
    const noSeparator = await cli(["vault", "run", "--vault", "work", "curl"]);
    assert.equal(noSeparator.code, 2, printed(noSeparator));
    assert.match(noSeparator.stderr, /Put the command after --/);
    // Without --vault the `default` vault is used (test/cli/default-vault.spec.ts); a bad name is refused.
    const badVault = await cli(["vault", "run", "--vault", "Bad_Vault", "--", "true"]);
    assert.equal(badVault.code, 2, printed(badVault));
    assert.match(badVault.stderr, /--vault: must be lowercase letters/);
    assert.ok(!badVault.stderr.includes("Bad_Vault"), "the refused value is not echoed");
    const badTtl = await cli(["vault", "run", "--vault", "work", "--ttl", "1m", "--", "true"]);
    assert.equal(badTtl.code, 2, printed(badTtl));
    assert.equal((await activeSessions()).length, 0);
  });
});
