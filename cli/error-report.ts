/**
 * How a failed command tells its caller: a sentence on stderr for a person, or, when the command
 * line asked for `--json`, one JSON object on stderr for a script, `{"error": code, "message": …}`
 * (the edge's code, status and fields when the edge refused). The exit code is the same either
 * way; stdout stays what the command printed before it failed.
 */
import { ApiError } from "./edge/api-client.ts";
import { CliError, EXIT, UsageError } from "./cli-error.ts";
import type { CommandContext } from "./command/command.ts";

/** `--json` anywhere before `--` (after it, the words are another program's). */
export function asksForJson(argv: readonly string[]): boolean {
  const end = argv.indexOf("--");
  return (end === -1 ? argv : argv.slice(0, end)).includes("--json");
}

/** What `--json` prints for an error: the edge's body as it sent it, or the CLI's own code and message. */
export function errorObject(error: unknown): Record<string, unknown> {
  if (error instanceof ApiError) return { ...error.details, error: error.code, message: error.edgeMessage, status: error.status };
  if (error instanceof CliError) return { error: error.code, message: error.message };
  return { error: "internal_error", message: `unexpected failure: ${error instanceof Error ? error.message : String(error)}` };
}

/** Prints `error` for a person or, with `json`, for a script; resolves with the exit code. */
export function reportError(error: unknown, context: Pick<CommandContext, "err">, json: boolean): number {
  const exitCode = error instanceof CliError ? error.exitCode : EXIT.failure;
  if (json) {
    context.err(JSON.stringify(errorObject(error)));
    return exitCode;
  }
  if (error instanceof CliError) {
    context.err(`error: ${error.message}`);
    if (error instanceof UsageError) context.err("(run with --help for usage)");
    return exitCode;
  }
  // A bug: report the message only; stack traces could carry request data.
  context.err(`error: unexpected failure: ${error instanceof Error ? error.message : String(error)}`);
  return exitCode;
}
