/** `confirm`: the yes/no question destructive commands ask on a terminal (in process, no edge). */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { describe, it } from "vitest";
import { CliError, EXIT, UsageError } from "../../cli/cli-error.ts";
import { confirm } from "../../cli/confirm.ts";

describe("confirm", () => {
  /** A terminal-like stdin the test types into. */
  function terminal(typed?: string) {
    const stdin = Object.assign(new PassThrough(), { isTTY: true });
    const stderr = new PassThrough();
    let shown = "";
    stderr.on("data", (chunk: Buffer) => (shown += chunk.toString("utf8")));
    if (typed === undefined) stdin.end();
    else setImmediate(() => stdin.write(typed));
    return { io: { stdin, stderr }, shown: () => shown };
  }
  const options = { yes: false, action: 'delete agent "a-1"', question: 'Delete agent "a-1"?' };

  it("goes ahead on y or yes, and asks on stderr", async () => {
    const yes = terminal("yes\n");
    await confirm(yes.io, options);
    assert.match(yes.shown(), /Delete agent "a-1"\? \[y\/N\]/);
    await confirm(terminal("y\n").io, options);
  });

  it("stops on anything else, on end of input, and on Ctrl+C", async () => {
    await assert.rejects(
      confirm(terminal("n\n").io, options),
      (error) => error instanceof CliError && /Cancelled: did not delete agent "a-1"/.test(error.message),
    );
    await assert.rejects(confirm(terminal("\n").io, options), CliError);
    await assert.rejects(confirm(terminal().io, options), CliError);
    await assert.rejects(confirm(terminal("\x03").io, options), (error) => error instanceof CliError && error.exitCode === EXIT.interrupted);
  });

  it("never asks without a terminal, and not at all with --yes", async () => {
    const piped = { stdin: new PassThrough(), stderr: new PassThrough() };
    await assert.rejects(confirm(piped, options), UsageError);
    await confirm(piped, { ...options, yes: true });
  });
});
