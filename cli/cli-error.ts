/**
 * The CLI's one error type. `main.ts` prints its message to stderr and exits with its code
 * (under `--json`, `{"error": code, "message": …}`); anything else thrown is a bug and exits 1
 * with the error's message only.
 */

/** Exit codes, documented in `edgevault --help`. */
export const EXIT = {
  ok: 0,
  /** The edge refused the request, could not be reached, or local state is missing. */
  failure: 1,
  /** The command line itself is wrong: unknown command or flag, missing or malformed argument. */
  usage: 2,
  /** `proposal wait`: the proposal was rejected. */
  rejected: 3,
  /** `proposal wait`: the proposal expired before anyone decided. */
  expired: 4,
  /** `proposal wait`: the proposal was still pending when --timeout ran out. */
  timedOut: 5,
  /** The user interrupted a prompt (Ctrl+C). */
  interrupted: 130,
} as const;

/** The code a `--json` error carries when nothing more specific names it, by exit code. */
const CODE_BY_EXIT: Readonly<Record<number, string>> = { [EXIT.usage]: "usage_error", [EXIT.interrupted]: "interrupted" };

export class CliError extends Error {
  readonly exitCode: number;
  /**
   * What went wrong, for scripts (`--json` prints it as `error`): the edge's code when the edge
   * refused (also when a command rewords the refusal), else the CLI's own (`not_logged_in`…).
   */
  readonly code: string;

  constructor(message: string, exitCode: number = EXIT.failure, options?: { cause?: unknown; code?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CliError";
    this.exitCode = exitCode;
    this.code = options?.code ?? CODE_BY_EXIT[exitCode] ?? "cli_error";
  }
}

/** A mistake on the command line; exits 2 and suggests `--help`. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = "UsageError";
  }
}
