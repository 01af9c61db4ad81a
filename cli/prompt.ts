/**
 * Secret input. Piped stdin is read whole (scripts, CI, tests); on a terminal a prompt is shown
 * on stderr and typing is not echoed. Secrets are never taken from argv, where they would end
 * up in shell history and in `ps` output.
 */
import readline from "node:readline";
import { Writable } from "node:stream";
import { CliError, EXIT } from "./cli-error.ts";

export type SecretInput = {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
};

/** Large enough for a PEM bundle; the edge caps one credential value at 64 KiB anyway. */
const MAX_PIPED_BYTES = 1024 * 1024;

/**
 * Reads one secret, named by `label` in prompts and errors ("API key", "password", "value for
 * STRIPE_KEY"); a single trailing newline from piped input is dropped.
 * @example
 * const apiKey = await readSecret(io, "API key"); // `echo "$KEY" | edgevault login` or a hidden prompt
 */
export async function readSecret(io: SecretInput, label: string): Promise<string> {
  const value = io.stdin.isTTY ? await promptHidden(io, label) : await readPiped(io.stdin, label);
  if (value.length === 0) throw new CliError(`Empty ${label}: pipe it on stdin or type it at the prompt`);
  return value;
}

async function readPiped(stdin: NodeJS.ReadableStream, label: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk;
    size += bytes.length;
    if (size > MAX_PIPED_BYTES) throw new CliError(`The ${label} on stdin is larger than ${MAX_PIPED_BYTES} bytes`);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

function promptHidden(io: SecretInput, label: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // readline echoes through its output stream; muting that stream after the prompt is written
    // hides what is typed without touching readline internals.
    let muted = false;
    const output = new Writable({
      write(chunk, _encoding, done) {
        if (!muted) io.stderr.write(chunk);
        done();
      },
    });
    const rl = readline.createInterface({ input: io.stdin, output, terminal: true, historySize: 0 });
    let settled = false;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      rl.close();
      io.stderr.write("\n");
      outcome();
    };
    rl.on("SIGINT", () => finish(() => reject(new CliError("Interrupted", EXIT.interrupted))));
    rl.on("close", () => finish(() => reject(new CliError(`No ${label} given (end of input)`))));
    rl.question(`${label.charAt(0).toUpperCase()}${label.slice(1)}: `, (answer) => finish(() => resolve(answer)));
    muted = true;
  });
}
