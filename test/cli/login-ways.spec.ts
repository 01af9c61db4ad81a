/**
 * `edgevault login` the ways a person meets it: at a terminal it asks which way and saves what
 * was chosen (an API key typed there included); `--web` saves a login of the person who confirmed
 * its code, and nothing when they deny it. The terminal is a real pseudo-terminal (python3's pty),
 * so the CLI sees what it sees in a shell; the browser's confirmation goes through the route the
 * /cli-login page posts to, as a signed-in person (the page itself: test/e2e/cli-login.spec.ts).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { login } from "../../cli/commands/auth.ts";
import { type CliResult, printed, TEST_STORE, tempConfigHome } from "./support/cli.ts";
import { ROOT, startEdge, type Edge, type TestCompany, type TestUser } from "./support/edge.ts";
import { assertHelpWithExamples } from "./support/help.ts";

const BIN = path.join(ROOT, "cli", "bin", "edgevault.js");
const configFile = (home: string) => path.join(home, "edgevault", "config.json");

/**
 * Runs the CLI on a pseudo-terminal: each time its output since the last answer (prompts on
 * stderr, which the terminal shows) shows a step's `when`, the step's `type` is typed. Resolves with what the terminal showed.
 */
const PTY = `
import json, os, pty, re, sys, select
steps = json.loads(sys.argv[1]); argv = sys.argv[2:]
pid, fd = pty.fork()
if pid == 0:
    os.execvp(argv[0], argv)
seen = b""; step = 0; since = 0
while True:
    r, _, _ = select.select([fd], [], [], 30)
    if not r: break
    try: chunk = os.read(fd, 4096)
    except OSError: break
    if not chunk: break
    seen += chunk
    while step < len(steps) and re.search(steps[step]["when"].encode(), seen[since:]):
        os.write(fd, steps[step]["type"].encode()); seen += b"\\n<typed>\\n"; since = len(seen); step += 1
_, status = os.waitpid(pid, 0)
sys.stdout.write(seen.decode("utf8", "replace")); sys.exit(os.waitstatus_to_exitcode(status))
`;

async function atTerminal(args: readonly string[], home: string, steps: { when: string; type: string }[]): Promise<CliResult> {
  const env = { PATH: process.env.PATH ?? "", HOME: home, XDG_CONFIG_HOME: home, ...TEST_STORE };
  const child = spawn("python3", ["-c", PTY, JSON.stringify(steps), process.execPath, BIN, ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const [code] = (await once(child, "close")) as [number | null];
  return { code: code ?? -1, stdout, stderr };
}

/** `login --web` as a child: resolves with its one-time code once printed, and with its result at the end. */
function webLogin(args: readonly string[], home: string) {
  const env = { PATH: process.env.PATH ?? "", HOME: home, XDG_CONFIG_HOME: home, ...TEST_STORE };
  const child = spawn(process.execPath, [BIN, "login", "--web", ...args], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  let onCode: (code: string) => void = () => {};
  const code = new Promise<string>((resolve) => (onCode = resolve));
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString("utf8");
    const match = /one-time code: ([A-Z]{4}-[A-Z]{4})/.exec(stderr);
    if (match?.[1]) onCode(match[1]);
  });
  const result = once(child, "close").then(([exit]) => ({ code: (exit as number | null) ?? -1, stdout, stderr }));
  return { code, result };
}

describe("edgevault login asks which way, and --web saves the login a person confirmed in the browser", { timeout: 120_000 }, () => {
  let edge: Edge;
  let company: TestCompany;
  let person: TestUser;
  let personToken: string;

  before(async () => {
    edge = await startEdge();
    company = await edge.createCompany();
    person = await edge.createUser(company, "member");
    const signedIn = await edge.call("POST", "/v1/auth/sign-in", undefined, { email: person.email, password: person.password });
    personToken = (signedIn.body as { token: string }).token;
  });
  after(async () => {
    await edge?.stop();
  });

  it("documents the ways in --help, with examples", async () => {
    await assertHelpWithExamples([login]);
  });

  it("at a terminal, an API key chosen and typed at the prompt is saved, not refused", async () => {
    const home = await tempConfigHome();
    const shown = await atTerminal(["login", "--addr", edge.addr], home, [
      { when: "Choose 1, 2 or 3: ", type: "3\r" },
      { when: "API key: ", type: `${company.ownerKey}\r` },
    ]);
    assert.equal(shown.code, 0, printed(shown));
    assert.match(shown.stdout, /How do you want to log in\?[\s\S]*1\. E-mail and password[\s\S]*2\. In the browser[\s\S]*3\. An API key/);
    assert.match(shown.stdout, new RegExp(`Logged in to ${edge.addr} as company API key .*"${company.id}"`));
    assert.doesNotMatch(shown.stdout, /Nothing was saved/);
    assert.ok(!shown.stdout.includes(company.ownerKey), "the typed key is not echoed");
    const saved = JSON.parse(await readFile(configFile(home), "utf8")) as { token: string; kind: string };
    assert.deepEqual([saved.kind, saved.token], ["company_key", company.ownerKey]);
  });

  it("at a terminal, e-mail and password: the address is asked, the password hidden, and a user session saved", async () => {
    const home = await tempConfigHome();
    const shown = await atTerminal(["login", "--addr", edge.addr], home, [
      { when: "Choose 1, 2 or 3: ", type: "1\r" },
      { when: "E-mail: ", type: `${person.email}\r` },
      { when: "Password: ", type: `${person.password}\r` },
    ]);
    assert.equal(shown.code, 0, printed(shown));
    assert.match(shown.stdout, new RegExp(`Logged in to ${edge.addr} as ${person.email.replace(/[.]/g, "\\.")} \\(member`));
    assert.ok(!shown.stdout.includes(person.password), "the password is not echoed");
    assert.equal((JSON.parse(await readFile(configFile(home), "utf8")) as { kind: string }).kind, "user");
  });

  it("--web: the code is confirmed by a signed-in person, and their login is saved and works", async () => {
    const home = await tempConfigHome();
    const run = webLogin(["--addr", edge.addr], home);
    const code = await run.code;
    const pending = await edge.call("GET", `/v1/cli-logins/${code}`, personToken);
    assert.equal((pending.body as { status: string }).status, "pending");
    assert.match((pending.body as { client_name: string }).client_name, /^edgevault \S+ on .+ \(\w+\)$/);
    const confirmed = await edge.call("POST", `/v1/cli-logins/${code}/approve`, personToken);
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
    const result = await run.result;
    assert.equal(result.code, 0, printed(result));
    assert.match(result.stderr, new RegExp(`open ${edge.addr}/cli-login\\?code=${code} `));
    assert.match(result.stdout, new RegExp(`as ${person.email.replace(/[.]/g, "\\.")} \\(member of company "${company.id}"\\)`));
    const saved = JSON.parse(await readFile(configFile(home), "utf8")) as { token: string; kind: string };
    assert.equal(saved.kind, "user");
    assert.ok(!printed(result).includes(saved.token), "the session token is never printed");
    const me = await edge.call("GET", "/v1/whoami", saved.token);
    assert.equal((me.body as { email: string }).email, person.email);
  });

  it("--web: a denied code saves nothing and says so", async () => {
    const home = await tempConfigHome();
    const run = webLogin(["--addr", edge.addr, "--company", company.id], home);
    const code = await run.code;
    assert.equal((await edge.call("POST", `/v1/cli-logins/${code}/deny`, personToken)).status, 200);
    const result = await run.result;
    assert.equal(result.code, 1, printed(result));
    assert.match(result.stderr, /The login was denied in the browser; nothing was saved/);
    await assert.rejects(stat(configFile(home)), { code: "ENOENT" });
  });
});
