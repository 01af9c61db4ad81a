/**
 * What scripts and shells rely on: "did you mean" for mistyped commands and options (naming only
 * declared names, never what was typed when it looks like a value), completion scripts for bash,
 * zsh and fish generated from the declarations and run in the real shells, and `proposal wait`'s
 * exit code per outcome (against a stand-in edge, since a real proposal takes 7 days to expire).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { readFile, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import { EXIT } from "../../cli/cli-error.ts";
import { COMMANDS, run } from "../../cli/main.ts";
import { printed, runCli, tempConfigHome, type CliOptions } from "./support/cli.ts";
import { ROOT, startEdge, type Edge, type TestCompany } from "./support/edge.ts";

const SECRET = "sk_live_typed-in-the-wrong-place";

/** Runs the CLI in process; resolves with its exit code and what it printed. */
async function inProcess(argv: readonly string[]) {
  let stdout = "";
  let stderr = "";
  const context = {
    env: {},
    stdin: new PassThrough(),
    stderr: new PassThrough(),
    out: (line: string) => (stdout += `${line}\n`),
    err: (line: string) => (stderr += `${line}\n`),
  };
  const code = await run(argv, context);
  return { code, stdout, stderr };
}

describe("did you mean", () => {
  it("suggests the declared command a mistyped or incomplete command line meant", async () => {
    const cases: [string[], string[]][] = [
      [["vualt", "list"], ["edgevault vault list"]],
      [["vault", "crednetial", "list"], ["edgevault vault credential list"]],
      [["proposal", "wiat", "prp_x"], ["edgevault proposal wait"]],
      [["whoamii"], ["edgevault whoami"]],
      // A command without its first word.
      [["credential", "set", "STRIPE_KEY"], ["edgevault vault credential set"]],
      [["logs"], ["edgevault vault logs"]],
      [
        ["invite", "someone@example.com"],
        ["edgevault user invite", "edgevault agent invite"],
      ],
    ];
    for (const [argv, expected] of cases) {
      const result = await inProcess(argv);
      assert.equal(result.code, EXIT.usage, argv.join(" "));
      const suggested = result.stderr.split("Did you mean:\n")[1]?.split("\n(run with")[0]?.trim().split(/\n\s*/);
      assert.deepEqual(suggested, expected, `${argv.join(" ")}:\n${result.stderr}`);
    }
  });

  it("suggests the declared option a mistyped one meant, and nothing when none is close", async () => {
    const cases: [string[], RegExp][] = [
      [["vault", "list", "--jsno"], /^error: Unknown option '--jsno'; did you mean '--json'\?$/m],
      [["vault", "create", "x", "--polcy", "deny"], /^error: Unknown option '--polcy'; did you mean '--policy'\?$/m],
      [["proposal", "wait", "prp_x", "--timout", "1m"], /did you mean '--timeout'\?$/m],
      [["vault", "list", "--colour"], /^error: Unknown option '--colour'$/m],
    ];
    for (const [argv, message] of cases) {
      const result = await inProcess(argv);
      assert.equal(result.code, EXIT.usage, argv.join(" "));
      assert.match(result.stderr, message, argv.join(" "));
    }
  });

  it("never repeats a word that looks like a value, whether it is taken for a command or an option", async () => {
    for (const argv of [[SECRET], ["vault", SECRET], ["vault", "list", `--${SECRET}`], ["agent", `${SECRET}=x`]]) {
      const result = await inProcess(argv);
      assert.equal(result.code, EXIT.usage, argv.join(" "));
      assert.ok(!printed(result).includes(SECRET), printed(result));
      assert.match(result.stderr, /not repeated here/);
    }
  });
});

/** Commands whose output is not a result a script would parse: a sentence, a script, a certificate, another program's. */
// `chain export` prints JSON lines already: the chain, as `GET /v1/chain/export` streams it.
const WITHOUT_JSON = ["login", "logout", "demo", "demo propose", "ca path", "ca export", "ca trust", "proxy", "vault run", "completion", "chain export"];

describe("--json", () => {
  let edge: Edge;
  let company: TestCompany;
  let home: string;
  const cli = (args: readonly string[], options: Omit<CliOptions, "configHome"> = {}) => runCli(args, { configHome: home, ...options });
  /** Runs a command with --json; resolves with its parsed stdout. */
  const json = async (args: readonly string[], options: Omit<CliOptions, "configHome"> = {}) => {
    const result = await cli([...args, "--json"], options);
    assert.equal(result.code, 0, `${args.join(" ")}: ${printed(result)}`);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  };

  before(async () => {
    edge = await startEdge();
    company = await edge.createCompany();
    home = await tempConfigHome();
    assert.equal((await cli(["login", "--addr", edge.addr, "--save-api-key"], { stdin: company.ownerKey })).code, 0);
  });
  after(async () => {
    await edge?.stop();
  });

  it("is declared by every command that prints a result", () => {
    for (const command of COMMANDS) {
      const name = command.path.join(" ");
      assert.equal(
        command.options.some((o) => o.name === "json"),
        !WITHOUT_JSON.includes(name),
        `${name}: --json ${WITHOUT_JSON.includes(name) ? "unexpected" : "missing"}`,
      );
    }
  });

  it("prints what a create, change or removal did, as the edge answered", async () => {
    const vault = await json(["vault", "create", "scripted", "--policy", "deny"]);
    assert.deepEqual([vault.name, vault.unmatched_host_policy, vault.role], ["scripted", "deny", "admin"]);
    assert.deepEqual(await json(["vault", "use", "scripted"]), { vault: "scripted", source: "vault use" });
    assert.deepEqual(await json(["vault", "use"], { env: { EDGEVAULT_VAULT: "other" } }), { vault: "other", source: "EDGEVAULT_VAULT" });
    assert.deepEqual(await json(["vault", "credential", "set", "SCRIPT_KEY"], { stdin: "a value" }), { vault: "scripted", set: ["SCRIPT_KEY"] });
    const service = await json(["vault", "service", "add", "svc", "--host", "api.svc.test", "--auth", "bearer:SCRIPT_KEY"]);
    assert.deepEqual([service.name, service.host, service.enabled], ["svc", "api.svc.test", true]);
    assert.equal((await json(["vault", "service", "disable", "svc"])).enabled, false);
    const settings = await json(["vault", "set", "--rate-limit", "5/10"]);
    assert.deepEqual(settings.rate_limit, { rate_per_second: 5, burst: 10 });

    const invite = await json(["agent", "invite", "scripted-agent", "--vault", "scripted:proxy"]);
    assert.equal(invite.name, "scripted-agent");
    assert.ok(typeof invite.invite_url === "string" && typeof invite.prompt === "string" && invite.prompt.includes(invite.invite_url));
    const redeemed = await fetch(invite.invite_url as string, { method: "POST" });
    assert.equal(redeemed.status, 200);
    await redeemed.text();
    assert.deepEqual(await json(["vault", "agent", "set-role", "scripted-agent", "--role", "member"]), {
      vault: "scripted",
      agent: { agent: "scripted-agent", role: "member", status: "active" },
    });
    assert.equal((await json(["agent", "disable", "scripted-agent"])).status, "disabled");

    const session = await json(["session", "create"]);
    assert.deepEqual(await json(["session", "revoke", session.id as string]), { revoked: session.id });
    const webhook = await json(["vault", "webhook", "add", "https://hooks.example.com/x"]);
    assert.ok(typeof webhook.secret === "string" && typeof webhook.id === "string");
    assert.deepEqual(await json(["vault", "webhook", "remove", webhook.id as string]), { deleted: webhook.id });
    assert.deepEqual(await json(["vault", "service", "remove", "svc", "--yes"]), { deleted: "svc" });
    assert.deepEqual(await json(["vault", "credential", "delete", "SCRIPT_KEY"]), { vault: "scripted", deleted: ["SCRIPT_KEY"] });
    assert.deepEqual(await json(["agent", "delete", "scripted-agent", "--yes"]), { deleted: "scripted-agent" });
  });

  it("makes an error one JSON object on stderr, with the edge's code when the edge refused, and the same exit code", async () => {
    /** Runs with --json; resolves with the exit code, stdout and the one JSON line stderr holds. */
    const failing = async (args: readonly string[], options: Omit<CliOptions, "configHome"> & { configHome?: string } = {}) => {
      const result = await runCli([...args, "--json"], { configHome: home, ...options });
      const lines = result.stderr.trim().split("\n");
      assert.equal(lines.length, 1, `${args.join(" ")}: one line on stderr:\n${result.stderr}`);
      return { code: result.code, stdout: result.stdout, error: JSON.parse(lines[0] ?? "") as Record<string, unknown> };
    };
    // The edge refused: its code, message and status, as its body said them.
    const refused = await failing(["vault", "service", "show", "no-such-service", "--vault", "scripted"]);
    assert.deepEqual([refused.code, refused.error.error, refused.error.status], [EXIT.failure, "service_not_found", 404]);
    assert.equal(typeof refused.error.message, "string");
    assert.doesNotMatch(String(refused.error.message), /HTTP 404/, "the edge's message, not the sentence printed without --json");
    // A refusal a command rewords keeps the edge's code.
    const keyDecides = await failing(["request", "reject", "hrq_0123456789abcdef01"]);
    assert.deepEqual([keyDecides.code, keyDecides.error.error], [EXIT.failure, "human_required"]);
    assert.match(String(keyDecides.error.message), /edgevault login --email/);
    // The command line is wrong: exit 2, as without --json, and nothing on stdout.
    const usage = await failing(["vault", "create", "Not A Name"]);
    assert.deepEqual([usage.code, usage.error.error, usage.stdout], [EXIT.usage, "usage_error", ""]);
    const unknown = await failing(["vault", "lsit"]);
    assert.deepEqual([unknown.code, unknown.error.error], [EXIT.usage, "usage_error"]);
    assert.match(String(unknown.error.message), /Did you mean:\n {2}edgevault vault list/);
    // Local state: not logged in.
    const anonymous = await failing(["vault", "list"], { configHome: await tempConfigHome() });
    assert.deepEqual([anonymous.code, anonymous.error.error], [EXIT.failure, "not_logged_in"]);
    // The edge cannot be reached.
    const unreachable = await failing(["vault", "list"], { env: { EDGEVAULT_ADDR: "http://127.0.0.1:9" } });
    assert.deepEqual([unreachable.code, unreachable.error.error], [EXIT.failure, "edge_unreachable"]);
    // Without --json, the same failures stay sentences.
    const plain = await cli(["vault", "service", "show", "no-such-service", "--vault", "scripted"]);
    assert.match(plain.stderr, /^error: .*\(service_not_found, HTTP 404\)$/m);
  });
});

describe("docs/cli.md", () => {
  it("has a section for every command and a row for every exit code", async () => {
    const doc = await readFile(path.join(ROOT, "docs", "cli.md"), "utf8");
    const headings = doc.split("\n").filter((line) => line.startsWith("#"));
    for (const command of COMMANDS) {
      const name = command.path.join(" ");
      assert.ok(
        headings.some((heading) => heading.includes(`\`${name}`)),
        `docs/cli.md has no heading for ${name}`,
      );
    }
    for (const code of Object.values(EXIT)) assert.match(doc, new RegExp(`^\\| \`${code}\` \\|`, "m"), `exit code ${code}`);
  });
});

describe("edgevault completion", () => {
  let dir: string;
  const script = async (shell: string) => {
    const result = await inProcess(["completion", shell]);
    assert.equal(result.code, EXIT.ok, result.stderr);
    const file = path.join(dir, `edgevault.${shell}`);
    await writeFile(file, result.stdout);
    return file;
  };

  before(async () => {
    dir = await tempConfigHome();
  });

  it("bash: completes command words, options and enum values from the declarations", async () => {
    const file = await script("bash");
    // One bash for every question: each line of input is a command line (tab-separated words,
    // an empty last word written as @EMPTY@), each answer ends with a line "--end--".
    const completeAll = (lines: readonly string[][]) =>
      execFileSync(
        "bash",
        [
          "-c",
          `source "$0"
           while IFS=$'\\t' read -r -a COMP_WORDS; do
             [[ \${COMP_WORDS[-1]} == @EMPTY@ ]] && COMP_WORDS[-1]=""
             COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _edgevault
             printf '%s\\n' "\${COMPREPLY[@]}" --end--
           done`,
          file,
        ],
        { encoding: "utf8", input: `${lines.map((words) => words.map((w) => w || "@EMPTY@").join("\t")).join("\n")}\n` },
      )
        .split("--end--\n")
        .slice(0, -1)
        .map((answer) => answer.split("\n").filter(Boolean));
    const complete = (...words: string[]) => completeAll([words])[0] ?? [];
    assert.deepEqual(complete("edgevault", "va"), ["vault"]);
    assert.deepEqual(complete("edgevault", "vault", "cr"), ["create", "credential"]);
    assert.deepEqual(complete("edgevault", "vault", "credential", ""), ["set", "list", "delete"]);
    assert.deepEqual(complete("edgevault", "vault", "create", "x", "--p"), ["--policy"]);
    assert.deepEqual(complete("edgevault", "vault", "create", "x", "--policy", ""), ["passthrough", "deny"]);
    assert.deepEqual(complete("edgevault", "user", "invite", "a@example.com", "--role", "o"), ["owner"]);
    assert.deepEqual(complete("edgevault", "proposal", "list", "--status", ""), ["pending", "applied", "rejected", "expired", "all"]);
    assert.deepEqual(complete("edgevault", "completion", ""), []);
    // Every command is reachable word by word, and offers every option it declares.
    const answers = completeAll(
      COMMANDS.flatMap((c) => [
        ["edgevault", ...c.path.slice(0, -1), c.path.at(-1) ?? ""],
        ["edgevault", ...c.path, "--"],
      ]),
    );
    COMMANDS.forEach((command, i) => {
      const name = command.path.join(" ");
      assert.ok(answers[2 * i]?.includes(command.path.at(-1) ?? ""), name);
      for (const option of command.options) assert.ok(answers[2 * i + 1]?.includes(`--${option.name}`), `${name} --${option.name}`);
    });
  });

  it("zsh: the same, with each word's summary", async () => {
    const file = await script("zsh");
    // compsys itself needs a terminal; its functions are stood in for, printing what they are given.
    const complete = (...words: string[]) =>
      execFileSync(
        "zsh",
        [
          "-f",
          "-c",
          `compdef() { :; }; _describe() { print -l -- "\${(@P)4}"; }; compadd() { print -l -- "\${(@P)2}"; }; _files() { print FILES; }
           source "$1"; shift; words=("$@"); CURRENT=$#words; _edgevault`,
          "zsh",
          file,
          ...words,
        ],
        { encoding: "utf8" },
      )
        .split("\n")
        .filter(Boolean);
    execFileSync("zsh", ["-n", file]);
    assert.ok(complete("edgevault", "vault", "").includes("credential:set, list, delete"));
    assert.ok(complete("edgevault", "").some((line) => line.startsWith("whoami:Show who")));
    assert.deepEqual(complete("edgevault", "vault", "create", "x", "--policy", ""), ["passthrough", "deny"]);
    assert.deepEqual(complete("edgevault", "agent", "delete", "-"), [
      "--yes:Do not ask for confirmation",
      "--json:Print the edge's answer as JSON: {deleted: <name>}",
      "--help:Show this help",
    ]);
    assert.deepEqual(complete("edgevault", "vault", "credential", "set", ""), ["FILES"]);
  });

  it("fish: the same, through fish's own `complete -C`", async () => {
    const file = await script("fish");
    const complete = (line: string) =>
      execFileSync("fish", ["--no-config", "-c", `source $argv[1]; complete -C $argv[2]`, file, line], { encoding: "utf8" })
        .split("\n")
        .filter(Boolean)
        .map((entry) => entry.split("\t")[0]);
    assert.deepEqual(complete("edgevault vault cr"), ["create", "credential"]);
    assert.deepEqual(complete("edgevault vault create x --policy ").sort(), ["deny", "passthrough"]);
    assert.ok(complete("edgevault agent delete -").includes("--yes"));
    assert.ok(complete("edgevault ").includes("completion"));
  });

  it("refuses a shell it has no script for (exit 2)", async () => {
    const result = await inProcess(["completion", "powershell"]);
    assert.equal(result.code, EXIT.usage);
    assert.match(result.stderr, /<shell> must be bash, zsh or fish/);
  });
});

describe("proposal wait: one exit code per outcome", () => {
  let server: Server;
  let addr: string;
  let configHome: string;
  /** The status the stand-in edge reports for every proposal. */
  let status = "pending";

  before(async () => {
    configHome = await tempConfigHome();
    server = createServer((req, res) => {
      const id = /^\/v1\/proposals\/([A-Za-z0-9_]+)/.exec(req.url ?? "")?.[1];
      if (req.headers.authorization !== "Bearer evk_stand-in" || !id) {
        res.writeHead(404, { "Content-Type": "application/json" }).end(JSON.stringify({ error: "not_found", message: "Not found" }));
        return;
      }
      const now = new Date().toISOString();
      const body = {
        id,
        status,
        vault: "payments",
        services: [],
        credentials: [],
        message: "",
        user_message: null,
        review_note: status === "rejected" ? "Not this quarter" : null,
        reviewed_at: status === "pending" ? null : now,
        created_at: now,
        expires_at: now,
      };
      // A long poll on a pending proposal is answered late, as the edge does.
      setTimeout(() => res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(body)), status === "pending" ? 300 : 0);
    }).listen(0, "127.0.0.1");
    await once(server, "listening");
    addr = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server?.close();
  });

  const wait = (...args: string[]) =>
    runCli(["proposal", "wait", "prp_stand_in", ...args], { configHome, env: { EDGEVAULT_ADDR: addr, EDGEVAULT_API_KEY: "evk_stand-in" } });

  it("0 applied, 3 rejected, 4 expired, 5 still pending at --timeout", async () => {
    const outcomes: [string, number, RegExp][] = [
      ["applied", 0, /was approved and applied/],
      ["rejected", 3, /was rejected: Not this quarter/],
      ["expired", 4, /expired before anyone decided/],
      ["pending", 5, /is still pending after 1s/],
    ];
    for (const [outcome, code, message] of outcomes) {
      status = outcome;
      const result = await wait("--timeout", "1s");
      assert.equal(result.code, code, `${outcome}: ${printed(result)}`);
      assert.match(printed(result), message);
      assert.deepEqual([EXIT.ok, EXIT.rejected, EXIT.expired, EXIT.timedOut], [0, 3, 4, 5]);
    }
  });

  it("--json prints the proposal whatever the outcome, with the same exit code", async () => {
    status = "expired";
    const result = await wait("--json");
    assert.equal(result.code, 4, printed(result));
    assert.equal((JSON.parse(result.stdout) as { status: string }).status, "expired");
    assert.equal((JSON.parse(result.stderr) as { error: string }).error, "proposal_expired");
  });

  it("the edge's refusal is still 1", async () => {
    const result = await runCli(["proposal", "wait", "prp_stand_in"], { configHome, env: { EDGEVAULT_ADDR: addr, EDGEVAULT_API_KEY: "evk_wrong" } });
    assert.equal(result.code, 1, printed(result));
  });
});
