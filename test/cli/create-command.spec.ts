/**
 * createCommand: one declaration gives the parser, the handler's typed arguments and `--help`.
 * In process, with a made-up command: no edge, no child process.
 */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "vitest";
import { z } from "zod";
import { EXIT, UsageError } from "../../cli/cli-error.ts";
import { type CommandContext, createCommand } from "../../cli/command/command.ts";
import { COMMANDS, run } from "../../cli/main.ts";

const SECRET = "sk_live_typed-in-the-wrong-place";

/** A made-up command, and what its handler last received. */
function demo() {
  let received: unknown;
  const command = createCommand({
    path: ["demo", "thing"],
    summary: "A command for this test",
    description: "Does a thing to a NAME.",
    positionals: [
      { name: "NAME", schema: z.string().regex(/^[A-Z]+$/, "must be upper case"), description: "What to do it to" },
      { name: "more", schema: z.string().optional(), description: "Something optional" },
    ],
    options: {
      level: { type: "string", schema: z.enum(["low", "high"], "must be low or high"), default: "low", description: "How much" },
      count: {
        type: "string",
        placeholder: "n",
        schema: z.string("is required").regex(/^\d+$/, "must be a number").transform(Number),
        description: "How many",
      },
      tag: { type: "string", multiple: true, description: "A label" },
      yes: { type: "boolean", short: "y", description: "Do not ask" },
    },
    examples: ["edgevault demo thing ABC --count 2"],
    async handler(args) {
      // The types come from the schemas: the typecheck fails if any of these is inferred wrongly.
      const typed: { NAME: string; more: string | undefined; level: "low" | "high"; count: number; tag: string[]; yes: boolean } = args;
      received = typed;
    },
  });
  return { command, received: () => received };
}

/** Runs the made-up command on `argv`; resolves with what its handler received, or rejects with the usage error. */
async function parse(argv: readonly string[]): Promise<unknown> {
  const { command, received } = demo();
  const context: CommandContext = { env: {}, stdin: new PassThrough(), stderr: new PassThrough(), out: () => {}, err: () => {} };
  await command.run(argv, context);
  return received();
}

async function refusal(argv: readonly string[]): Promise<string> {
  const error = await parse(argv).then(
    () => assert.fail(`accepted ${argv.join(" ")}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof UsageError, String(error));
  assert.equal(error.exitCode, EXIT.usage);
  return error.message;
}

describe("createCommand", () => {
  it("gives the handler every argument by name, validated, with defaults applied", async () => {
    assert.deepEqual(await parse(["ABC", "--count", "3", "--tag", "a", "--tag=b", "-y"]), {
      NAME: "ABC",
      more: undefined,
      level: "low",
      count: 3,
      tag: ["a", "b"],
      yes: true,
    });
    assert.deepEqual(await parse(["--level", "high", "ABC", "x", "--count=1"]), {
      NAME: "ABC",
      more: "x",
      level: "high",
      count: 1,
      tag: [],
      yes: false,
    });
    // `--` ends the options: what follows is positional even if it starts with a dash.
    assert.deepEqual(await parse(["--count", "1", "--", "ABC", "-x"]), { NAME: "ABC", more: "-x", level: "low", count: 1, tag: [], yes: false });
  });

  it("refuses with exit 2, naming the option or argument and never repeating the value", async () => {
    const cases: [string[], RegExp][] = [
      [["ABC"], /^--count: is required$/],
      [["ABC", "--count", SECRET], /^--count: must be a number$/],
      [["ABC", "--count", "1", "--level", SECRET], /^--level: must be low or high$/],
      [[SECRET, "--count", "1"], /^<NAME> must be upper case$/],
      [["--count", "1"], /^Missing argument <NAME>\. Usage: edgevault demo thing <NAME> \[more\] --count <n> \[options\]$/],
      [["ABC", "x", SECRET, "--count", "1"], /^Too many arguments \(expected 2, got 3\)\. Usage: /],
      [["ABC", "--count"], /^Option '--count' needs a value: --count <n>$/],
      [["ABC", "--count", "--yes"], /^Option '--count' is followed by another option/],
      [["ABC", "--count", "1", "--yes=no"], /^Option '--yes' takes no value$/],
      [["ABC", "--count", "1", "--colour"], /^Unknown option '--colour'$/],
      [["ABC", "--count", "1", `--${SECRET}`], /^Unknown option \(not repeated here/],
      [["ABC", "--count", "1", `--token=${SECRET}`], /^Unknown option '--token'$/],
    ];
    for (const [argv, message] of cases) {
      const text = await refusal(argv);
      assert.match(text, message, argv.join(" "));
      assert.ok(!text.includes(SECRET), `the value was repeated: ${text}`);
    }
  });

  it("derives --help: usage, description, every argument and option with its description and default, examples", () => {
    const help = demo().command.help;
    assert.equal(
      help,
      `Usage: edgevault demo thing <NAME> [more] --count <n> [options]

Does a thing to a NAME.

Arguments:
  <NAME>  What to do it to
  [more]  Something optional

Options:
  --level <level>  How much (default: low)
  --count <n>      How many (required)
  --tag <tag>      A label (repeatable)
  -y, --yes        Do not ask
  -h, --help       Show this help

Example:
  edgevault demo thing ABC --count 2`,
    );
  });

  it("refuses a declaration that reuses a name or takes --help", () => {
    const base = { summary: "x", description: "x", examples: ["edgevault x"] as [string], handler: async () => {} };
    assert.throws(() =>
      createCommand({
        ...base,
        path: ["x"],
        positionals: [{ name: "a", schema: z.string(), description: "a" }],
        options: { a: { type: "boolean", description: "a" } },
      }),
    );
    assert.throws(() => createCommand({ ...base, path: ["x"], options: { help: { type: "boolean", description: "h" } } }));
  });

  it("every command's help starts with its usage, lists --help and has an example of itself", async () => {
    for (const command of COMMANDS) {
      let out = "";
      const context = { env: {}, stdin: new PassThrough(), stderr: new PassThrough(), out: (line: string) => (out += `${line}\n`), err: () => {} };
      assert.equal(await run([...command.path, "--help"], context), EXIT.ok);
      const name = command.path.join(" ");
      assert.ok(out.startsWith(`Usage: edgevault ${name}`), name);
      assert.match(out, /\n {2}-h, --help {2,}Show this help\n/, name);
      assert.ok(out.includes(`edgevault ${name}`, out.search(/Examples?:/)), name);
    }
  });
});
