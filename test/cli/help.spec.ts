/**
 * How a person finds a command: `edgevault --help` lists the commands in sections, as gh does
 * (core, vault, agents, people, admin), each entry a command or a group; `edgevault help <words>`
 * gives a command's own help or a group's list of commands, the same as `<words> --help`; and a
 * mistyped group still gets "did you mean". Run in process: the dispatch is the CLI's own.
 */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "vitest";
import { EXIT } from "../../cli/cli-error.ts";
import { isGroup } from "../../cli/command/group-help.ts";
import { COMMANDS, run } from "../../cli/main.ts";
import { HELP_SECTIONS, unsectioned } from "../../cli/main-help.ts";

async function inProcess(argv: readonly string[], program?: string) {
  let stdout = "";
  let stderr = "";
  const context = {
    env: {},
    stdin: new PassThrough(),
    stderr: new PassThrough(),
    out: (line: string) => (stdout += `${line}\n`),
    err: (line: string) => (stderr += `${line}\n`),
    ...(program ? { program } : {}),
  };
  const code = await run(argv, context);
  return { code, stdout, stderr };
}

/** Every group, as words: each proper prefix of a command's path that longer paths share. */
const GROUPS = [...new Set(COMMANDS.flatMap((c) => c.path.slice(0, -1).map((_, i) => c.path.slice(0, i + 1).join(" "))))].filter((g) =>
  isGroup(COMMANDS, g.split(" ")),
);

describe("--help lists the commands in sections, not as one flat list", () => {
  it("names each section and lists groups, far fewer lines than there are commands", async () => {
    const { code, stdout } = await inProcess(["--help"]);
    assert.equal(code, EXIT.ok);
    for (const title of ["Core commands", "Vault commands", "Agent commands", "People commands", "Admin commands"])
      assert.match(stdout, new RegExp(`^${title}$`, "m"));
    assert.doesNotMatch(stdout, /^Other commands$/m);
    const listed = stdout
      .split("\n")
      .filter((line) => /^ {2}[a-z]/.test(line) && HELP_SECTIONS.some((s) => s.entries.includes(line.trim().split(/ {2,}/)[0] ?? "")));
    assert.equal(listed.length, HELP_SECTIONS.flatMap((s) => s.entries).length);
    assert.ok(listed.length < COMMANDS.length / 2, `${listed.length} entries for ${COMMANDS.length} commands`);
    assert.match(stdout, /^ {2}vault service {2,}The hosts a vault forwards for/m);
    // `edgevault` alone and `edgevault help` print the same.
    assert.equal((await inProcess([])).stdout, stdout);
    assert.equal((await inProcess(["help"])).stdout, stdout);
  });

  it("gives every command a place: each is an entry or under one, and every entry exists", () => {
    assert.deepEqual(
      unsectioned(COMMANDS).map((c) => c.path.join(" ")),
      [],
      "commands no section of cli/main-help.ts lists (they would show under Other commands)",
    );
    for (const entry of HELP_SECTIONS.flatMap((s) => s.entries)) {
      const words = entry.split(" ");
      assert.ok(isGroup(COMMANDS, words) || COMMANDS.some((c) => c.path.join(" ") === entry), `${entry} is neither a command nor a group`);
    }
  });
});

describe("edgevault help <command or group> says what --help says", () => {
  it("prints a command's own help for every command, as <command> --help does", async () => {
    for (const command of COMMANDS) {
      const viaHelp = await inProcess(["help", ...command.path]);
      const viaFlag = await inProcess([...command.path, "--help"]);
      assert.equal(viaHelp.code, EXIT.ok, command.path.join(" "));
      assert.equal(viaHelp.stdout, viaFlag.stdout, command.path.join(" "));
      assert.match(viaHelp.stdout, new RegExp(`^Usage: edgevault ${command.path.join(" ")}`));
    }
  });

  it("lists a group's commands and the groups under it, for every group", async () => {
    assert.ok(GROUPS.includes("vault") && GROUPS.includes("vault service") && GROUPS.includes("agent invite"), GROUPS.join(", "));
    for (const group of GROUPS) {
      const words = group.split(" ");
      const { code, stdout } = await inProcess(["help", ...words]);
      assert.equal(code, EXIT.ok, group);
      const below = COMMANDS.filter((c) => c.path.length === words.length + 1 && words.every((w, i) => c.path[i] === w));
      for (const command of below) assert.match(stdout, new RegExp(`^ {2}${command.path.join(" ")} `, "m"), `${group} lists ${command.path.join(" ")}`);
      // A group that is a command too (`audit`, `agent invite`): its help, then its subcommands.
      if (COMMANDS.some((c) => c.path.join(" ") === group)) assert.match(stdout, /^Subcommands:$/m, group);
      else assert.match(stdout, new RegExp(`^Usage: edgevault ${group} <command>`, "m"), group);
    }
  });

  it("`help vault` lists vault's commands and its groups; `vault service --help` the same as `help vault service`", async () => {
    const vault = await inProcess(["help", "vault"]);
    assert.match(vault.stdout, /^Commands:\n {2}vault create /m);
    assert.match(vault.stdout, /^Groups:\n(?: {2}vault \w+ .*\n)*? {2}vault service {2,}The hosts/m);
    assert.doesNotMatch(vault.stdout, /vault service add/, "a group's own commands are under its own help");
    const byFlag = await inProcess(["vault", "service", "--help"]);
    assert.equal(byFlag.code, EXIT.ok);
    assert.equal(byFlag.stdout, (await inProcess(["help", "vault", "service"])).stdout);
    assert.match(byFlag.stdout, /^ {2}vault service add {2,}Add a service/m);
  });

  it("keeps 'did you mean' for a mistyped command or group, and never echoes a value", async () => {
    const typo = await inProcess(["help", "vault", "sevrice"]);
    assert.equal(typo.code, EXIT.usage);
    assert.match(typo.stderr, /Did you mean:\n {2}edgevault vault service\n/);
    const secret = "sk_live_pasted-into-help";
    const pasted = await inProcess(["help", secret]);
    assert.equal(pasted.code, EXIT.usage);
    assert.ok(!`${pasted.stdout}${pasted.stderr}`.includes(secret));
  });

  it("under the name agent-vault, says it is the same CLI", async () => {
    const { code, stdout } = await inProcess(["--help"], "agent-vault");
    assert.equal(code, EXIT.ok);
    assert.match(stdout, /^Usage: agent-vault <command>/m);
    assert.match(stdout, /agent-vault is edgevault under Agent Vault's name/);
  });
});
