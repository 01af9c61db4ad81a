/**
 * Every command's `--help` has a usage line and an example without placeholders. Run in
 * process: the dispatch is the CLI's own, without a process start per command.
 */
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { EXIT } from "../../../cli/cli-error.ts";
import type { Command } from "../../../cli/command/command.ts";
import { run } from "../../../cli/main.ts";

export async function assertHelpWithExamples(commands: readonly Command[]): Promise<void> {
  for (const command of commands) {
    const name = command.path.join(" ");
    let out = "";
    const context = { env: {}, stdin: new PassThrough(), stderr: new PassThrough(), out: (line: string) => (out += `${line}\n`), err: () => {} };
    assert.equal(await run([...command.path, "--help"], context), EXIT.ok);
    assert.match(out, new RegExp(`^Usage: edgevault ${name}`));
    assert.match(out, new RegExp(`Examples?:\\n  edgevault ${name}( |\\n|$)`));
    assert.doesNotMatch(out.slice(out.search(/Examples?:/)), /</, `${name}: an example with a placeholder`);
  }
}
